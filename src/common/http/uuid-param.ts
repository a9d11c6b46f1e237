import { ArgumentMetadata, HttpStatus, Injectable, Param, PipeTransform } from '@nestjs/common';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every id in a path is a UUID (any version): anything else is 400 VALIDATION_FAILED, lower-cased otherwise. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    const name = metadata.data ?? 'id';
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new AppException(ErrorCode.VALIDATION_FAILED, `${name} must be a UUID`, HttpStatus.BAD_REQUEST, {
        fields: { [name]: [`${name} must be a UUID`] },
      });
    }
    return value.toLowerCase();
  }
}

/** `@UuidParam('job_id')`: a path parameter through UuidPipe, one behaviour for every id route. */
export const UuidParam = (name: string): ParameterDecorator => Param(name, UuidPipe);
