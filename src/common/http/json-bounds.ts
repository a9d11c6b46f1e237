import { HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

/**
 * Bounds on the shape of a JSON body, checked on its raw bytes before it is parsed. class-transformer
 * and class-validator recurse (a 10,000-level body overflowed the stack: 500), and the cost of
 * parsing and validating grows with the keys (100,000 unknown keys took 18 s and a 5 MB error
 * while every other request waited). Every body of this API is a few levels deep with a few dozen
 * keys; batches are bounded far lower by their own settings.
 */
export const JSON_BOUNDS = {
  maxDepth: 32,
  maxKeysPerObject: 100,
  maxArrayItems: 1000,
  maxValues: 20_000,
} as const;

type Bounds = typeof JSON_BOUNDS;

const refused = (message: string, details: Record<string, unknown>) =>
  new AppException(ErrorCode.VALIDATION_FAILED, message, HttpStatus.BAD_REQUEST, details);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * One linear pass over JSON text (no parse, no recursion): throws 400 VALIDATION_FAILED at the
 * first bound broken. Malformed JSON is left for the parser to report.
 */
export function assertJsonWithinBounds(text: Uint8Array, bounds: Bounds = JSON_BOUNDS): void {
  const isArray: boolean[] = [];
  const entries: number[] = [];
  let inString = false;
  let values = 0;
  for (let i = 0; i < text.length; i += 1) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (isArray.length >= bounds.maxDepth) {
        throw refused(`The JSON body nests deeper than ${bounds.maxDepth} levels`, { max_depth: bounds.maxDepth });
      }
      isArray.push(byte === OPEN_ARRAY);
      entries.push(1);
      values += 1;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      isArray.pop();
      entries.pop();
    } else if (byte === COMMA && entries.length > 0) {
      const top = entries.length - 1;
      entries[top] += 1;
      values += 1;
      if (isArray[top] && entries[top] > bounds.maxArrayItems) {
        throw refused(`An array in the JSON body has more than ${bounds.maxArrayItems} items`, {
          max_items: bounds.maxArrayItems,
        });
      }
      if (!isArray[top] && entries[top] > bounds.maxKeysPerObject) {
        throw refused(`An object in the JSON body has more than ${bounds.maxKeysPerObject} keys`, {
          max_keys: bounds.maxKeysPerObject,
        });
      }
    }
    if (values > bounds.maxValues) {
      throw refused(`The JSON body holds more than ${bounds.maxValues} values`, { max_values: bounds.maxValues });
    }
  }
}

/**
 * Raised from the JSON parser's verify hook; body-parser forces status 403 on whatever verify
 * throws, so the real answer travels inside and the exception filter unwraps it.
 */
export class JsonBoundsError extends Error {
  constructor(readonly reason: AppException) {
    super(reason.message);
  }
}

/** body-parser `verify` for JSON: the bounds above, before JSON.parse runs. */
export function verifyJsonBounds(_req: Request, _res: unknown, body: Buffer): void {
  try {
    assertJsonWithinBounds(body);
  } catch (error) {
    throw error instanceof AppException ? new JsonBoundsError(error) : error;
  }
}

/**
 * Routes that take the raw request body as a stream (the presigned PUT of the local driver):
 * no global body parser may read them, whatever their Content-Type.
 */
export function takesRawBody(req: Request): boolean {
  return req.method === 'PUT' && /^\/api\/v1\/upload\/[^/]+\/?$/.test(req.path);
}
