import { createHash } from 'node:crypto';
import type { MediaStore } from '../../media/storage/media-store';
import type { BatchRecord, TranscriptionJob, TranscriptionOptions, TranscriptResult } from '../transcription.types';

/**
 * Transcription records in the MediaStore, so every replica (and the next process) sees them:
 *   transcriptions/jobs/<transcription_id>.json      the job (status, options, result or error)
 *   transcriptions/batches/<batch_id>.json           which jobs a batch made
 *   transcriptions/cache/<key>.json                  result by SHA-256 of the audio + options
 */
export const transcriptionKeys = {
  jobsPrefix: 'transcriptions/jobs/',
  job: (id: string) => `transcriptions/jobs/${id}.json`,
  batch: (id: string) => `transcriptions/batches/${id}.json`,
  cache: (key: string) => `transcriptions/cache/${key}.json`,
};

export interface CacheEntry {
  transcription_id: string;
  created_at: string;
  result: TranscriptResult;
}

/** SHA-256 of the audio plus the options that change the result (not output_format: a rendering). */
export function cacheKey(sha256: string, provider: string, options: TranscriptionOptions): string {
  const parts = [sha256, provider, options.language_code, options.speaker_count ?? '', options.vocabulary_name ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class TranscriptionJobStore {
  constructor(private readonly store: MediaStore) {}

  /** Ids are UUIDs; anything else cannot name a record (and never reaches the store). */
  static isId(id: string): boolean {
    return typeof id === 'string' && ID.test(id.toLowerCase());
  }

  getJob(id: string): Promise<TranscriptionJob | null> {
    return this.store.readJson<TranscriptionJob>(transcriptionKeys.job(id));
  }

  saveJob(job: TranscriptionJob): Promise<void> {
    return this.store.writeJson(transcriptionKeys.job(job.transcription_id), job);
  }

  getBatch(id: string): Promise<BatchRecord | null> {
    return this.store.readJson<BatchRecord>(transcriptionKeys.batch(id));
  }

  saveBatch(batch: BatchRecord): Promise<void> {
    return this.store.writeJson(transcriptionKeys.batch(batch.batch_id), batch);
  }

  getCached(key: string): Promise<CacheEntry | null> {
    return this.store.readJson<CacheEntry>(transcriptionKeys.cache(key));
  }

  saveCached(key: string, entry: CacheEntry): Promise<void> {
    return this.store.writeJson(transcriptionKeys.cache(key), entry);
  }

  /** Every job id in the store (used once at start to find unfinished jobs). */
  async *jobIds(): AsyncIterable<string> {
    for await (const object of this.store.list(transcriptionKeys.jobsPrefix)) {
      const name = object.key.slice(object.key.lastIndexOf('/') + 1);
      if (name.endsWith('.json')) yield name.slice(0, -'.json'.length);
    }
  }
}
