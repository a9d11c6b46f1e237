import { readFileSync } from 'node:fs';

/**
 * What AWS bills for the calls this service makes, in USD. The built-in table is the public list
 * price (first usage tier, no free tier) of us-east-1, us-east-2 and us-west-2, which share these
 * prices. AWS_PRICE_TABLE (a JSON file of this shape) replaces it for other regions, later prices
 * or negotiated rates.
 */
export interface AwsPriceTable {
  /** Region the prices are for (informational; a mismatch with AWS_REGION is logged). */
  region: string;
  /** When the prices were read from the AWS pricing pages (YYYY-MM-DD). */
  read_on: string;
  transcribe: {
    /** Standard batch transcription, per second of audio. */
    per_second: number;
    /** Every job is billed at least this many seconds. */
    minimum_seconds: number;
  };
  rekognition: {
    /** Per image analysed, per API call. */
    per_image: Record<string, number>;
    /** For an image API missing from per_image. */
    default_per_image: number;
  };
  s3: {
    /** PUT, COPY, POST, LIST requests (uploads, multipart parts, listings). */
    write_per_request: number;
    /** GET, HEAD and every other request. DELETE is free. */
    read_per_request: number;
  };
}

/** Regions whose list prices equal the built-in table. */
export const DEFAULT_PRICE_REGIONS = ['us-east-1', 'us-east-2', 'us-west-2'];

/**
 * AWS list prices as published on the Transcribe, Rekognition and S3 pricing pages, as known on
 * the date below (not fetched by the build: check them before relying on the figures).
 * Transcribe: $0.024/min = $0.0004/s, 1 s increments, 15 s minimum per job. Rekognition image
 * APIs: $0.001 per image (first 1M images a month). S3 Standard: $0.005 per 1,000 PUT/COPY/POST/
 * LIST, $0.0004 per 1,000 GET and others.
 */
export const DEFAULT_AWS_PRICES: AwsPriceTable = {
  region: 'us-west-2',
  read_on: '2025-01-15',
  transcribe: { per_second: 0.0004, minimum_seconds: 15 },
  rekognition: {
    per_image: { DetectLabels: 0.001, DetectText: 0.001, DetectFaces: 0.001, DetectModerationLabels: 0.001 },
    default_per_image: 0.001,
  },
  s3: { write_per_request: 0.000005, read_per_request: 0.0000004 },
};

const S3_WRITE_OPERATIONS = new Set([
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'PutObjectTagging',
  'ListObjects',
  'ListObjectsV2',
  'ListObjectVersions',
  'ListMultipartUploads',
  'ListParts',
  'ListBuckets',
  'CreateBucket',
  'PutBucketLifecycleConfiguration',
]);
const S3_FREE_OPERATIONS = new Set(['DeleteObject', 'DeleteObjects', 'AbortMultipartUpload']);

/** USD one S3 request of this operation costs. */
export function s3RequestPrice(prices: AwsPriceTable, operation: string): number {
  if (S3_FREE_OPERATIONS.has(operation)) return 0;
  return S3_WRITE_OPERATIONS.has(operation) ? prices.s3.write_per_request : prices.s3.read_per_request;
}

/** USD for one image through one Rekognition image API. */
export function rekognitionImagePrice(prices: AwsPriceTable, operation: string): number {
  return prices.rekognition.per_image[operation] ?? prices.rekognition.default_per_image;
}

/** USD for a Transcribe job on this much audio: whole seconds, with the minimum charge. */
export function transcribePrice(prices: AwsPriceTable, seconds: number): number {
  const billed = Math.max(Math.ceil(Math.max(0, seconds)), prices.transcribe.minimum_seconds);
  return billed * prices.transcribe.per_second;
}

function price(value: unknown, path: string, problems: string[]): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    problems.push(`${path} must be a number >= 0`);
  }
}

/** Checks a parsed price table; throws one message naming every bad field. */
export function validatePriceTable(raw: unknown, source: string): AwsPriceTable {
  const problems: string[] = [];
  const table = raw as Partial<AwsPriceTable> | null;
  if (!table || typeof table !== 'object') throw new Error(`AWS_PRICE_TABLE ${source}: must be a JSON object`);
  if (typeof table.region !== 'string' || !table.region) problems.push('region must be a non-empty string');
  if (typeof table.read_on !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(table.read_on)) {
    problems.push('read_on must be a date YYYY-MM-DD');
  }
  price(table.transcribe?.per_second, 'transcribe.per_second', problems);
  price(table.transcribe?.minimum_seconds, 'transcribe.minimum_seconds', problems);
  const perImage = table.rekognition?.per_image;
  if (!perImage || typeof perImage !== 'object') problems.push('rekognition.per_image must be an object');
  else for (const [api, value] of Object.entries(perImage)) price(value, `rekognition.per_image.${api}`, problems);
  price(table.rekognition?.default_per_image, 'rekognition.default_per_image', problems);
  price(table.s3?.write_per_request, 's3.write_per_request', problems);
  price(table.s3?.read_per_request, 's3.read_per_request', problems);
  if (problems.length) throw new Error(`AWS_PRICE_TABLE ${source}: ${problems.join('; ')}`);
  return table as AwsPriceTable;
}

/** The table from AWS_PRICE_TABLE, or the built-in one. Throws on a missing or invalid file. */
export function loadPriceTable(path: string | undefined): AwsPriceTable {
  if (!path) return DEFAULT_AWS_PRICES;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`AWS_PRICE_TABLE ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`AWS_PRICE_TABLE ${path}: is not valid JSON`);
  }
  return validatePriceTable(parsed, path);
}
