import { Module } from '@nestjs/common';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3_CLIENT } from '../aws/aws.tokens';
import { awsConfig, AwsConfig, storageConfig, StorageConfig } from '../config/configuration';
import { createS3Client } from '../aws/aws.module';
import { CachingObjectStore } from './caching-object-store';
import { LocalObjectStore } from './local-object-store';
import { OBJECT_STORE, ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

/**
 * Documents written once and never changed in place, which the record cache may keep: media
 * records, analyses and the result caches. Jobs, batches and pending uploads change while they
 * run and are always read from the store.
 */
const WRITE_ONCE_DOCUMENTS = [
  /^media\/[^/]+\/record\.json$/,
  /^analyses\/[^/]+\.json$/,
  /^cache\//,
  /^transcriptions\/cache\//,
];

export function isWriteOnceDocument(key: string): boolean {
  return WRITE_ONCE_DOCUMENTS.some((pattern) => pattern.test(key));
}

async function createAdapter(config: StorageConfig, s3: S3Client | null, aws: AwsConfig): Promise<ObjectStore> {
  if (config.driver === 's3') {
    if (!s3) throw new Error('STORAGE_DRIVER=s3 but no S3 client was configured');
    return new S3ObjectStore(s3, {
      bucket: config.bucket,
      prefix: config.prefix,
      serverSideEncryption: config.serverSideEncryption,
      kmsKeyId: config.kmsKeyId,
      // Signing needs no network: this client only signs URLs for the public host.
      presignClient: aws.s3PublicEndpoint ? createS3Client({ ...aws, s3Endpoint: aws.s3PublicEndpoint }) : undefined,
    });
  }
  const store = new LocalObjectStore(config.dataDir);
  await store.init();
  return store;
}

/**
 * Provides the ObjectStore port: where media bytes, feature records and cached results live.
 * STORAGE_DRIVER chooses the one adapter built: `local` (DATA_DIR on disk) or `s3`
 * (S3_BUCKET_NAME under S3_PREFIX, through the shared S3 client), wrapped in the record cache.
 * Features import this module and keep their own records through a repository of their own
 * (MediaRecordRepository, TranscriptionJobRepository, AnalysisRepository, ...); a test or a new
 * backend swaps this one provider and nothing else.
 */
@Module({
  providers: [
    {
      provide: OBJECT_STORE,
      inject: [storageConfig.KEY, S3_CLIENT, awsConfig.KEY],
      useFactory: async (config: StorageConfig, s3: S3Client | null, aws: AwsConfig): Promise<ObjectStore> => {
        const store = await createAdapter(config, s3, aws);
        const { ttlMs, maxEntries, maxBytes } = config.recordCache;
        return ttlMs > 0
          ? new CachingObjectStore(store, { ttlMs, maxEntries, maxBytes, cacheable: isWriteOnceDocument })
          : store;
      },
    },
  ],
  exports: [OBJECT_STORE],
})
export class StorageModule {}
