import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MEDIA_INPUT_EXTENSION, MediaInputExtension } from './api-media-input.decorator';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

export const ERROR_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', example: 'VALIDATION_FAILED' },
        message: { type: 'string', example: 'Validation failed for max_labels' },
        details: {
          type: 'object',
          additionalProperties: true,
          example: { fields: { max_labels: ['max_labels must not be greater than 1000'] } },
        },
      },
    },
  },
};

const REQUEST_ID_HEADER = {
  description: 'The request id (yours if you sent X-Request-Id); quote it when reporting a problem',
  schema: { type: 'string' },
};

const COMMON_ERRORS: Record<string, string> = {
  '429': 'RATE_LIMITED: more than RATE_LIMIT_PER_MINUTE requests a minute (see Retry-After)',
  '500': 'INTERNAL_ERROR: an unexpected fault (no internals are shown; quote X-Request-Id)',
  '503': 'STORAGE_UNAVAILABLE (the store, disk or S3, cannot be reached) or another backend down',
};

const PROVIDER_TAGS = ['image-analysis', 'transcription'];

/** The OpenAI-compatible routes answer every error in OpenAI's shape (OpenAiExceptionFilter). */
const OPENAI_TAG = 'openai';
const OPENAI_ERROR_REF: ReferenceObject = { $ref: '#/components/schemas/OpenAiErrorDto' };

/**
 * Rules the whole document follows, applied once after Nest builds it: the media upload request
 * bodies, one ErrorResponse schema on every 4xx/5xx, X-Request-Id on every response, 429/500 on
 * every API operation, and 400 for malformed ids on every operation with a path parameter.
 */
export function applyDocumentConventions(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components ??= {}).schemas ?? (document.components.schemas = {});
  schemas.ErrorResponse = ERROR_RESPONSE_SCHEMA;
  const errorRef: ReferenceObject = { $ref: '#/components/schemas/ErrorResponse' };
  const optionModels = new Set<string>();

  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (OperationObject & Record<string, unknown>) | undefined;
      if (!operation) continue;
      const media = operation[MEDIA_INPUT_EXTENSION] as MediaInputExtension | undefined;
      // An Authorization header read by a handler is the security scheme's, not a parameter
      // (OpenAPI ignores it, and generated clients would demand it even where it is optional).
      operation.parameters = operation.parameters?.filter(
        (p) => !('in' in p && p.in === 'header' && p.name.toLowerCase() === 'authorization'),
      );
      if (media) {
        operation.requestBody = mediaRequestBody(media, schemas);
        if (media.options) optionModels.add(media.options);
        delete operation[MEDIA_INPUT_EXTENSION];
      }
      const openAi = (operation.tags ?? []).includes(OPENAI_TAG) && Boolean(schemas.OpenAiErrorDto);
      if (path.startsWith('/api/') || openAi) {
        for (const [status, description] of Object.entries(COMMON_ERRORS)) {
          operation.responses[status] ??= { description };
        }
        // AWS Rekognition/Transcribe failing behind an analysis or transcription submit.
        const submitsWork = operation.requestBody && PROVIDER_TAGS.some((tag) => operation.tags?.includes(tag));
        if (operation.requestBody && method !== 'patch') {
          operation.responses['507'] ??= { description: 'INSUFFICIENT_STORAGE: the local disk is full (nothing kept)' };
        }
        if (submitsWork) operation.responses['502'] ??= { description: 'PROVIDER_ERROR: the AWS provider failed' };
        const hasPathParam = !openAi && (operation.parameters ?? []).some((p) => 'in' in p && p.in === 'path');
        if (hasPathParam) operation.responses['400'] ??= { description: 'VALIDATION_FAILED: a malformed id' };
        // Every GET answer carries an ETag; a conditional GET that matches it gets 304 and no body.
        if (method === 'get')
          operation.responses['304'] ??= { description: 'Not Modified: If-None-Match matched the ETag' };
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response || '$ref' in response) continue;
        response.headers = { 'X-Request-Id': REQUEST_ID_HEADER, ...response.headers };
        if (Number(status) >= 400) {
          response.content = { 'application/json': { schema: openAi ? OPENAI_ERROR_REF : errorRef } };
          if (status === '429') {
            response.headers['Retry-After'] = { description: 'Seconds to wait', schema: { type: 'integer' } };
          }
        }
      }
    }
  }
  for (const schema of Object.values(schemas)) nullableRefs(schema);
  // An options model only fed the multipart fields: drop it unless something still refers to it.
  const text = JSON.stringify(document);
  for (const name of optionModels) {
    if (!text.includes(`"#/components/schemas/${name}"`)) delete schemas[name];
  }
  return document;
}

function mediaRequestBody(media: MediaInputExtension, schemas: Record<string, SchemaObject | ReferenceObject>) {
  const file: SchemaObject = { type: 'string', format: 'binary', description: media.fileDescription };
  const properties: Record<string, SchemaObject | ReferenceObject> = {
    [media.fileField]: media.fileField === 'files' ? { type: 'array', items: file, minItems: 1 } : file,
  };
  const options = media.options ? (schemas[media.options] as SchemaObject | undefined) : undefined;
  for (const [name, property] of Object.entries(options?.properties ?? {})) {
    properties[name] = asFormField(property as SchemaObject);
  }
  const content: Record<string, { schema: SchemaObject | ReferenceObject }> = {
    'multipart/form-data': {
      schema: { type: 'object', required: [media.fileField, ...(options?.required ?? [])], properties },
    },
  };
  if (media.json) content['application/json'] = { schema: { $ref: `#/components/schemas/${media.json}` } };
  return { required: true, content };
}

/**
 * A multipart text field for an options property: a list is sent comma-separated; no example
 * that is not a default (Swagger UI prefills examples, and prefilled maxima are a poor start).
 */
function asFormField(property: SchemaObject): SchemaObject {
  if (property.type === 'array') {
    const items = property.items as SchemaObject | undefined;
    const allowed = items?.enum ? ` (any of ${items.enum.join(', ')})` : '';
    return {
      type: 'string',
      description: `${property.description ?? ''} Comma-separated${allowed}.`.trim(),
      // Without an example Swagger UI would prefill "string", which the server refuses.
      example: Array.isArray(property.example) ? property.example.join(',') : '',
    };
  }
  const { example, ...rest } = property;
  if (property.default !== undefined) return rest;
  if (typeof example === 'string') return { ...rest, example };
  // Else Swagger UI prefills "string" (or https://example.com/ for a URI), which the server then
  // refuses; an empty field is an option left out.
  return property.type === 'string' ? { ...rest, example: '' } : rest;
}

/**
 * `{nullable: true, allOf: [{$ref}]}` (what Nest writes for a nullable model) still applies the
 * model to `null`, so validators refuse the null the server sends: say "the model, or null" instead.
 */
function nullableRefs(schema: SchemaObject | ReferenceObject): void {
  if ('$ref' in schema) return;
  for (const property of Object.values(schema.properties ?? {})) {
    if ('$ref' in property || !property.nullable || property.allOf?.length !== 1) continue;
    const [model] = property.allOf;
    delete property.allOf;
    delete property.type;
    delete property.nullable;
    property.anyOf = [model, { type: 'object', nullable: true, enum: [null] }];
  }
}
