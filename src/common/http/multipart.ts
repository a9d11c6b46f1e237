/**
 * Streaming multipart/form-data reader on busboy (used by the MediaUpload interceptor).
 * Text fields and file parts are read in order; each file part is handed to `onFile` as a
 * stream the moment it starts, so it can flow straight into MediaService.ingest without ever
 * being buffered or spooled. Fields sent before a file are visible to its callback.
 *
 *   const { fieldValues, files } = await readMultipart(req, {
 *     fileField: 'file',                       // 'files' + maxFiles: 10 for a batch
 *     allowedFields: ['language_code'],
 *     maxFileSize: this.storage.maxFileSize,
 *     onFile: (part, signal) =>
 *       this.media.ingest({ stream: part.stream, filename: part.filename, accept: ['audio'], signal }),
 *   });
 *
 * Routes do not call it themselves: `@MediaUpload()` (src/media/upload) does, before the handler.
 *
 * Errors (all AppException, in the error envelope):
 *   not multipart/form-data               415 UNSUPPORTED_MEDIA_TYPE
 *   malformed body / client gone          400 BAD_REQUEST
 *   no file part                          400 FILE_MISSING
 *   more file parts than maxFiles         400 TOO_MANY_FILES
 *   a file under another field name       400 UNEXPECTED_FIELD
 *   a text field not in allowedFields     400 UNEXPECTED_FIELD (only when allowedFields is given)
 *   a file over maxFileSize               413 FILE_TOO_LARGE
 * Throwing from onFile fails the whole request (the rest of the body is drained and dropped);
 * catch inside onFile to report a per-file error instead. Work already finished for earlier
 * files is the caller's to undo.
 */
import { HttpStatus } from '@nestjs/common';
import busboy, { Busboy, FileInfo } from 'busboy';
import { AsyncResource } from 'node:async_hooks';
import type { Request } from 'express';
import { PassThrough, Readable } from 'node:stream';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

export interface MultipartFile {
  /** Form field name. */
  field: string;
  /** The client's file name (as sent; sanitise before keeping it). */
  filename: string;
  /** The client's declared Content-Type (informational only: never trust it). */
  mimeType: string;
  /** 0-based position among the file parts. */
  index: number;
  stream: Readable;
}

export interface MultipartOptions<T> {
  /** Name of the file field ("file", or "files" for batches). */
  fileField: string;
  /** Most file parts accepted (default 1). */
  maxFiles?: number;
  /** Fewest file parts required (default 1). */
  minFiles?: number;
  /** Largest file part in bytes. */
  maxFileSize: number;
  /** Text fields accepted; others are refused. Omit to accept any (up to maxFields). */
  allowedFields?: string[];
  /** Most text fields (default 20); each at most maxFieldSize bytes (default 64 KiB). */
  maxFields?: number;
  maxFieldSize?: number;
  /**
   * Called for each file part, in order, with the fields read so far and a signal that fires if
   * the request fails or the client goes away. It must consume part.stream.
   */
  onFile: (
    part: MultipartFile,
    signal: AbortSignal,
    fields: Record<string, string>,
    fieldValues: Record<string, string[]>,
  ) => Promise<T>;
}

export interface MultipartResult<T> {
  /** The last value of each text field. */
  fields: Record<string, string>;
  /** Every value of each text field, in order (repeated names such as `items[]`). */
  fieldValues: Record<string, string[]>;
  /** What onFile returned for each file, in order. */
  files: T[];
}

const badRequest = (code: ErrorCode, message: string, details?: Record<string, unknown>) =>
  new AppException(code, message, HttpStatus.BAD_REQUEST, details);

export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
}

export function readMultipart<T>(req: Request, options: MultipartOptions<T>): Promise<MultipartResult<T>> {
  const maxFiles = options.maxFiles ?? 1;
  const minFiles = options.maxFiles === undefined ? 1 : (options.minFiles ?? 1);
  const contentType = req.headers['content-type'] ?? '';
  if (!isMultipart(req)) {
    return Promise.reject(
      new AppException(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `Send the file as multipart/form-data in the field '${options.fileField}'`,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        { received_content_type: contentType.split(';')[0] || null },
      ),
    );
  }

  // Busboy's events come from the socket's async context: bound here, a file's work (its logs, the
  // request's trace) runs in the request's context.
  const onFile = AsyncResource.bind(options.onFile);
  let parser: Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: {
        files: maxFiles + 1, // one more than allowed, so the extra part is seen and refused
        // busboy signals 'limit' when a part reaches fileSize: one byte more, so a file of exactly
        // maxFileSize passes (as it does as base64) and maxFileSize + 1 is refused.
        fileSize: options.maxFileSize + 1,
        fields: options.maxFields ?? 20,
        fieldSize: options.maxFieldSize ?? 64 * 1024,
        parts: (options.maxFields ?? 20) + maxFiles + 1,
      },
    });
  } catch (error) {
    return Promise.reject(
      badRequest(ErrorCode.BAD_REQUEST, `Malformed multipart request: ${(error as Error).message}`),
    );
  }

  return new Promise<MultipartResult<T>>((resolve, reject) => {
    const controller = new AbortController();
    const fields: Record<string, string> = {};
    const fieldValues: Record<string, string[]> = {};
    const pending: Promise<T>[] = [];
    let fileCount = 0;
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      controller.abort(error);
      req.unpipe(parser);
      parser.removeAllListeners();
      parser.on('error', () => undefined);
      // Drain what the client still sends so the error response reaches it.
      req.resume();
      // Let running callbacks settle (they clean up on abort) before answering.
      void Promise.allSettled(pending).then(() => reject(error));
    };

    parser.on('field', (name, value, info) => {
      if (name === options.fileField) {
        fail(
          badRequest(
            ErrorCode.UNEXPECTED_FIELD,
            `'${name}' was sent as a text field: send the file itself in '${name}' (a file part with a file name)`,
            { field: name, expected: 'file' },
          ),
        );
        return;
      }
      if (options.allowedFields && !options.allowedFields.includes(name)) {
        const allowed = options.allowedFields.length ? options.allowedFields.join(', ') : 'none';
        fail(
          badRequest(
            ErrorCode.UNEXPECTED_FIELD,
            `Unexpected text field '${name}' (text fields taken: ${allowed}; the file goes in '${options.fileField}')`,
            { field: name, allowed_fields: options.allowedFields, file_field: options.fileField },
          ),
        );
        return;
      }
      if (info.valueTruncated) {
        fail(badRequest(ErrorCode.BAD_REQUEST, `Field '${name}' is too long`, { field: name }));
        return;
      }
      fields[name] = value;
      (fieldValues[name] ??= []).push(value);
    });

    parser.on('file', (name: string, stream: Readable, info: FileInfo) => {
      if (settled) {
        stream.resume();
        return;
      }
      if (name !== options.fileField) {
        stream.resume();
        fail(
          badRequest(
            ErrorCode.UNEXPECTED_FIELD,
            `Unexpected file field '${name}'; send the file in the field '${options.fileField}'`,
            { field: name, expected_field: options.fileField },
          ),
        );
        return;
      }
      fileCount += 1;
      if (fileCount > maxFiles) {
        stream.resume();
        fail(badRequest(ErrorCode.TOO_MANY_FILES, `At most ${maxFiles} file(s) per request`, { max_files: maxFiles }));
        return;
      }
      const body = detachedBody(stream, options.maxFileSize);
      const part: MultipartFile = {
        field: name,
        filename: info.filename ?? '',
        mimeType: info.mimeType,
        index: fileCount - 1,
        stream: body,
      };
      const work = onFile(part, controller.signal, { ...fields }, structuredClone(fieldValues));
      work.catch((error: unknown) => {
        if (!body.readableEnded) body.resume();
        fail(error);
      });
      pending.push(work);
    });

    parser.on('filesLimit', () => undefined);
    parser.on('fieldsLimit', () => fail(badRequest(ErrorCode.BAD_REQUEST, 'Too many form fields')));
    parser.on('partsLimit', () => fail(badRequest(ErrorCode.BAD_REQUEST, 'Too many form parts')));
    parser.on('error', (error: Error) =>
      fail(badRequest(ErrorCode.BAD_REQUEST, `Malformed multipart body: ${error.message}`)),
    );
    parser.on('close', () => {
      if (settled) return;
      if (fileCount < minFiles) {
        fail(
          badRequest(
            ErrorCode.FILE_MISSING,
            `No file: send it as multipart/form-data in the field '${options.fileField}'`,
            {
              expected_field: options.fileField,
            },
          ),
        );
        return;
      }
      Promise.all(pending).then(
        (files) => {
          if (settled) return;
          settled = true;
          resolve({ fields, fieldValues, files });
        },
        (error: unknown) => fail(error),
      );
    });

    req.once('close', () => {
      if (!req.complete) fail(badRequest(ErrorCode.BAD_REQUEST, 'The client closed the connection mid-upload'));
    });
    req.pipe(parser);
  });
}

/**
 * The part's bytes as a stream of their own. busboy stops reading the whole request while a file
 * stream it handed out is not read, and a destroyed stream is never read again: a consumer that
 * gives up on one file (refused type, stream destroyed by a pipeline) would stall every later part.
 * So the consumer gets a copy; when it stops early the part is drained and busboy moves on.
 */
function detachedBody(part: Readable, maxFileSize: number): Readable {
  const body = new PassThrough();
  const release = () => {
    part.unpipe(body);
    part.resume();
  };
  body.once('close', () => {
    if (!part.readableEnded) release();
  });
  part.once('limit', () => {
    release();
    body.destroy(
      new AppException(
        ErrorCode.FILE_TOO_LARGE,
        `The file is larger than the ${maxFileSize}-byte limit`,
        HttpStatus.PAYLOAD_TOO_LARGE,
        { max_bytes: maxFileSize },
      ),
    );
  });
  part.once('error', (error: Error) => body.destroy(error));
  part.pipe(body);
  return body;
}
