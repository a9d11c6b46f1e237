import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { DataStore } from '@tus/server';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AwsConfig, ResumableConfig, StorageConfig } from '../config/configuration';

/** Injection token of the tus DataStore (file store or S3 store, as STORAGE_DRIVER says). */
export const TUS_DATASTORE = Symbol('TUS_DATASTORE');

export interface TusDataStore {
  /** Both stores can read a completed upload back (DataStore itself does not promise it). */
  store: DataStore & { read(id: string): Readable | Promise<Readable> };
  /** Deletes an upload's bytes, complete or not (S3Store.remove fails on completed ones). */
  discard(id: string): Promise<void>;
  /** Key prefix of the upload ids inside the store (S3: under S3_PREFIX). */
  keyPrefix: string;
}

/**
 * Local driver: files under DATA_DIR/resumable (outside the media objects). S3: the same
 * bucket under S3_PREFIX/resumable/, multipart parts of 8 MiB (S3's 5 MiB minimum rounded up).
 */
export function createTusDataStore(storage: StorageConfig, aws: AwsConfig, resumable: ResumableConfig): TusDataStore {
  const expirationPeriodInMilliseconds = resumable.expirySeconds * 1000;
  if (storage.driver === 's3') {
    const store = new DiscardableS3Store({
      partSize: 8 * 1024 * 1024,
      expirationPeriodInMilliseconds,
      // Expiry is enforced by this service per record, not by bucket lifecycle tags.
      useTags: false,
      s3ClientConfig: {
        bucket: storage.bucket,
        region: aws.region,
        ...(aws.credentials ? { credentials: aws.credentials } : {}),
        ...(aws.s3Endpoint ? { endpoint: aws.s3Endpoint } : {}),
        forcePathStyle: aws.s3ForcePathStyle,
        // Some S3-compatible stores reject streamed bodies under the default checksums.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      },
    });
    return { keyPrefix: `${storage.prefix}resumable/`, store, discard: (id) => store.discard(id) };
  }
  const store = new FileStore({ directory: join(storage.dataDir, 'resumable'), expirationPeriodInMilliseconds });
  return { keyPrefix: '', store, discard: (id) => store.remove(id) };
}

/**
 * S3Store.remove aborts the multipart upload first and gives up when it is already completed,
 * leaving the object and its .info behind: discard deletes all three keys whatever the state.
 */
class DiscardableS3Store extends S3Store {
  async discard(id: string): Promise<void> {
    await this.remove(id).catch(() => undefined);
    await this.client.deleteObjects({
      Bucket: this.bucket,
      Delete: { Objects: [{ Key: id }, { Key: this.infoKey(id) }, { Key: this.partKey(id, true) }], Quiet: true },
    });
    await this.clearCache(id);
  }
}
