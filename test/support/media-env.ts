import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';

export type Driver = 'local' | 's3';
export const DRIVERS: Driver[] = ['local', 's3'];

/** Settings of the radosgw server Jest's globalSetup started; throws (never skips) without one. */
export function s3Settings() {
  const endpoint = process.env.S3_TEST_ENDPOINT;
  if (!endpoint) {
    throw new Error('S3_TEST_ENDPOINT is not set: run through jest.config.js so globalSetup starts radosgw');
  }
  return {
    endpoint,
    accessKeyId: process.env.S3_TEST_ACCESS_KEY_ID ?? 'media-test',
    secretAccessKey: process.env.S3_TEST_SECRET_ACCESS_KEY ?? 'media-test-secret',
    region: process.env.S3_TEST_REGION ?? 'us-east-1',
    bucket: process.env.S3_TEST_BUCKET ?? 'media-service-test',
  };
}

/** Environment for createTestApp on a driver; on S3 every app gets its own key prefix. */
export function driverEnv(driver: Driver, extra: Record<string, string> = {}): Record<string, string> {
  if (driver === 'local') return { STORAGE_DRIVER: 'local', ...extra };
  const s3 = s3Settings();
  return {
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET_NAME: s3.bucket,
    S3_PREFIX: `test-${randomUUID()}/`,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REQUEST_TIMEOUT_MS: '10000',
    ...extra,
  };
}

export function s3Client(): S3Client {
  const s3 = s3Settings();
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Multipart uploads still open under a prefix (an aborted upload must leave none). */
export async function openMultipartUploads(
  client: S3Client,
  prefix: string,
  bucket = s3Settings().bucket,
): Promise<string[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (out.Uploads ?? []).map((upload) => upload.Key ?? '');
}
