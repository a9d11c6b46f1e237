import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { ApiParamOptions, ApiQueryOptions } from '@nestjs/swagger';
import type { ApiResponseExamples } from '@nestjs/swagger/dist/decorators/api-response.decorator';

/** A `Location` response header: where to GET what a 201/202 answer started. */
export function locationHeader(description: string) {
  return { Location: { description, schema: { type: 'string' } } };
}

export interface StoredRecordDoc {
  summary: string;
  /** The id path parameter. */
  param: ApiParamOptions;
  type: Type<unknown>;
  examples?: Record<string, ApiResponseExamples>;
  /** The 404's code(s). */
  notFound: string;
}

/** GET of one stored record by its UUID: the record, 400 for a malformed id, 404 when unknown. */
export function ApiStoredRecord(doc: StoredRecordDoc): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: doc.summary }),
    ApiParam(doc.param),
    ApiOkResponse({ type: doc.type, examples: doc.examples }),
    ApiBadRequestResponse({ description: 'VALIDATION_FAILED: not a UUID' }),
    ApiNotFoundResponse({ description: doc.notFound }),
  );
}

export interface StoredBatchDoc {
  summary: string;
  type: Type<unknown>;
  /** The `?wait` query, for batches that can be waited on. */
  wait?: ApiQueryOptions;
}

/** GET of a batch by its id (`batch_id`): the batch, 404 BATCH_NOT_FOUND. */
export function ApiStoredBatch(doc: StoredBatchDoc): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary: doc.summary }),
    ApiParam({ name: 'batch_id', format: 'uuid' }),
    ...(doc.wait ? [ApiQuery(doc.wait)] : []),
    ApiOkResponse({ type: doc.type }),
    ApiNotFoundResponse({ description: 'BATCH_NOT_FOUND' }),
  );
}

/**
 * What a batch upload's body can be refused for before any item is read: a JSON body over the
 * body limit (in multipart each file is judged in its own `fileErrorsIn`), or neither content type.
 */
export function ApiBatchBodyErrors(fileErrorsIn: string): MethodDecorator {
  return applyDecorators(
    ApiUnsupportedMediaTypeResponse({ description: 'UNSUPPORTED_MEDIA_TYPE: neither multipart nor JSON' }),
    ApiPayloadTooLargeResponse({
      description: `FILE_TOO_LARGE: the JSON body (multipart: each file in ${fileErrorsIn})`,
    }),
  );
}
