import { ArgumentMetadata, HttpStatus, Injectable, PipeTransform, Query } from '@nestjs/common';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

const invalid = (name: string, message: string) =>
  new AppException(ErrorCode.VALIDATION_FAILED, message, HttpStatus.BAD_REQUEST, { fields: { [name]: [message] } });

export interface WaitOptions {
  /** Larger values are cut to it, not refused. */
  max?: number;
  /** The value when the parameter is absent (default 0). */
  absent?: number;
}

/** `?wait=N`: seconds, 0 or more (a fraction is fine). */
@Injectable()
export class WaitSecondsPipe implements PipeTransform<string | undefined, number> {
  constructor(private readonly options: WaitOptions = {}) {}

  transform(value: string | undefined, metadata: ArgumentMetadata): number {
    if (value === undefined || value === '') return this.options.absent ?? 0;
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw invalid(metadata.data ?? 'wait', `${metadata.data ?? 'wait'} must be a number of seconds (0 or more)`);
    }
    return Math.min(seconds, this.options.max ?? Number.POSITIVE_INFINITY);
  }
}

/** A query value from a fixed list (absent: undefined). */
@Injectable()
export class OneOfPipe<T extends string> implements PipeTransform<string | undefined, T | undefined> {
  constructor(private readonly values: readonly T[]) {}

  transform(value: string | undefined, metadata: ArgumentMetadata): T | undefined {
    if (value === undefined) return undefined;
    if ((this.values as readonly string[]).includes(value)) return value as T;
    const name = metadata.data ?? 'value';
    throw invalid(name, `${name} must be one of ${this.values.join(', ')}`);
  }
}

/** `@WaitQuery()`: the `wait` query parameter through WaitSecondsPipe. */
export const WaitQuery = (options?: WaitOptions): ParameterDecorator => Query('wait', new WaitSecondsPipe(options));
