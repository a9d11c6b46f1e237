import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtension, ApiExtraModels } from '@nestjs/swagger';

/** Read and removed by the document pass in openapi.ts, which writes the real requestBody. */
export const MEDIA_INPUT_EXTENSION = 'x-media-input';

export interface MediaInputDocOptions {
  /** Multipart file field: `file`, or `files` for a batch (then an array of files). */
  fileField: 'file' | 'files';
  /** What the file is, shown beside the file picker. */
  fileDescription: string;
  /** The options DTO: its fields become the multipart text fields (same rules as in JSON). */
  options?: Type<unknown>;
  /** The JSON body (base64 bytes or media_id, with the options); omitted for multipart-only routes. */
  json?: Type<unknown>;
}

export interface MediaInputExtension {
  fileField: 'file' | 'files';
  fileDescription: string;
  options?: string;
  json?: string;
}

/**
 * A media upload endpoint's request body, one schema per content type: `multipart/form-data` an
 * object with the file (format binary, so Swagger UI shows a file picker) and the option fields
 * generated from the options DTO; `application/json` the JSON DTO. (One `oneOf` shared by both
 * content types is what Swagger UI cannot render as a form.)
 */
export function ApiMediaInput(options: MediaInputDocOptions): MethodDecorator {
  const models = [options.options, options.json].filter((model): model is Type<unknown> => model !== undefined);
  const extension: MediaInputExtension = {
    fileField: options.fileField,
    fileDescription: options.fileDescription,
    options: options.options?.name,
    json: options.json?.name,
  };
  return applyDecorators(ApiExtraModels(...models), ApiExtension(MEDIA_INPUT_EXTENSION, extension));
}
