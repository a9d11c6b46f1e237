import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { HttpStatus } from '@nestjs/common';

const SAFE_KEY = /^(?!\/)(?!.*\/\/)[A-Za-z0-9._\-/]+(?<!\/)$/;

/**
 * Keys are made by the service, but every adapter checks them again so that no bug upstream can
 * ever reach a path outside the store ("..", absolute paths, odd characters).
 */
export function assertSafeKey(key: string): string {
  const segments = key.split('/');
  if (!SAFE_KEY.test(key) || segments.some((segment) => segment === '.' || segment === '..')) {
    throw new AppException(
      ErrorCode.INTERNAL_ERROR,
      'Refused an unsafe storage key',
      HttpStatus.INTERNAL_SERVER_ERROR,
      {},
    );
  }
  return key;
}

export function assertSafePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  assertSafeKey(prefix.replace(/\/$/, ''));
  return prefix;
}
