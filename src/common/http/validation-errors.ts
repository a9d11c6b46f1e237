import { HttpStatus, ValidationError } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

/** At most this many fields are listed in an error, so a hostile body cannot inflate the answer. */
export const MAX_REPORTED_FIELDS = 20;
const MAX_MESSAGES_PER_FIELD = 5;

/**
 * class-validator errors as `{path: [messages]}` with nested paths (`items.0.media_id`), the
 * first MAX_REPORTED_FIELDS of them; `total` counts them all.
 */
export function flattenValidationErrors(errors: ValidationError[]): {
  fields: Record<string, string[]>;
  total: number;
} {
  const fields: Record<string, string[]> = {};
  let total = 0;
  // Iterative on purpose: the error tree is as deep as the body.
  const stack: Array<{ error: ValidationError; parent: string }> = errors
    .map((error) => ({ error, parent: '' }))
    .reverse();
  while (stack.length > 0) {
    const { error, parent } = stack.pop()!;
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      total += 1;
      if (total <= MAX_REPORTED_FIELDS) {
        fields[path] = Object.values(error.constraints).slice(0, MAX_MESSAGES_PER_FIELD);
      }
    }
    for (const child of [...(error.children ?? [])].reverse()) stack.push({ error: child, parent: path });
  }
  return { fields, total };
}

/** The one 400 VALIDATION_FAILED for DTO errors, wherever the DTO was validated. */
export function validationFailed(errors: ValidationError[]): AppException {
  const { fields, total } = flattenValidationErrors(errors);
  const names = Object.keys(fields);
  const more = total > names.length ? ` and ${total - names.length} more` : '';
  return new AppException(
    ErrorCode.VALIDATION_FAILED,
    `Validation failed for ${names.join(', ')}${more}`,
    HttpStatus.BAD_REQUEST,
    total > names.length ? { fields, total_fields: total } : { fields },
  );
}

/**
 * A plain object (JSON body, multipart fields) into the DTO `type`, with the global pipe's rules
 * (unknown fields refused, values transformed): the one place a DTO is validated by hand.
 */
export function validateDto<T extends object>(
  type: ClassConstructor<T>,
  plain: unknown,
  { presentOnly = false }: { presentOnly?: boolean } = {},
): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new AppException(ErrorCode.VALIDATION_FAILED, 'The body must be a JSON object', HttpStatus.BAD_REQUEST);
  }
  const dto = plainToInstance(type, plain);
  // presentOnly: the fields that have arrived so far (a multipart file may come before the rest).
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, skipMissingProperties: presentOnly });
  if (errors.length > 0) throw validationFailed(errors);
  return dto;
}

/** The property names a DTO validates (its own and inherited): the fields it takes. */
export function dtoFields(type: ClassConstructor<object>): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))];
}
