import { ValidationPipe } from '@nestjs/common';
import { validationFailed } from './validation-errors';

/** The global pipe: DTOs are whitelisted, unknown fields refused, values transformed to their types. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationFailed,
  });
}
