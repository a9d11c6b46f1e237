import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { OBJECT_STORE, ObjectStore } from '../../storage/object-store';
import type { BatchRecord, TranscriptionJob, TranscriptionOptions, TranscriptResult } from '../transcription.types';

/**
 * Transcription records in the object store, so every replica (and the next process) sees them:
 *   transcriptions/jobs/<transcription_id>.json      the job (status, options, result or error)
 *   transcriptions/batches/<batch_id>.json           which jobs a batch made
 *   transcriptions/cache/<key>.json                  result by SHA-256 of the audio + options
 *   transcriptions/unfinished/<transcription_id>.json one small entry per job not finished yet, naming
 *                                                    the process that holds it (the start-up and
 *                                                    takeover scans read only these)
 *   transcriptions/workers/<instance>.json           each running process's heartbeat
 *   transcriptions/unfinished-index.json             written once the index covers every older job
 */
export const transcriptionKeys = {
  jobsPrefix: 'transcriptions/jobs/',
  job: (id: string) => `transcriptions/jobs/${id}.json`,
  unfinishedPrefix: 'transcriptions/unfinished/',
  unfinished: (id: string) => `transcriptions/unfinished/${id}.json`,
  unfinishedIndexBuilt: 'transcriptions/unfinished-index.json',
  worker: (instance: string) => `transcriptions/workers/${instance}.json`,
  batch: (id: string) => `transcriptions/batches/${id}.json`,
  cache: (key: string) => `transcriptions/cache/${key}.json`,
};

/** An unfinished job: who holds it (queued in its memory or running it). */
export interface UnfinishedEntry {
  transcription_id: string;
  created_at: string;
  /** WorkerIdentity.instance of the holder; empty when nobody holds it. */
  holder: string;
  claimed_at: string;
}

/** Who a process is, so that others can tell whether the jobs it holds are still being served. */
export interface WorkerIdentity {
  instance: string;
  host: string;
  pid: number;
}

export interface WorkerHeartbeat extends WorkerIdentity {
  started_at: string;
  renewed_at: string;
  expires_at: string;
}

export interface CacheEntry {
  transcription_id: string;
  created_at: string;
  result: TranscriptResult;
}

/**
 * SHA-256 of the audio plus the options that change the result (not output_format: a rendering)
 * and the provider's own settings that do (Transcriber.resultVariant).
 */
export function cacheKey(sha256: string, provider: string, options: TranscriptionOptions, variant = ''): string {
  const parts = [
    sha256,
    provider,
    options.language_code,
    options.speaker_count ?? '',
    options.vocabulary_name ?? '',
    variant,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The transcription feature's records (jobs, batches, cache, unfinished index, heartbeats). */
@Injectable()
export class TranscriptionJobRepository {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

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

  deleteJob(id: string): Promise<void> {
    return this.store.delete(transcriptionKeys.job(id));
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

  /** Every job id in the store (read once, to build the unfinished index of an older store). */
  jobIds(): AsyncIterable<string> {
    return this.idsUnder(transcriptionKeys.jobsPrefix);
  }

  /** Ids of the jobs not finished yet: the start-up cost follows the backlog, not the history. */
  unfinishedIds(): AsyncIterable<string> {
    return this.idsUnder(transcriptionKeys.unfinishedPrefix);
  }

  getUnfinished(id: string): Promise<UnfinishedEntry | null> {
    return this.store.readJson<UnfinishedEntry>(transcriptionKeys.unfinished(id));
  }

  saveUnfinished(entry: UnfinishedEntry): Promise<void> {
    return this.store.writeJson(transcriptionKeys.unfinished(entry.transcription_id), entry);
  }

  deleteUnfinished(id: string): Promise<void> {
    return this.store.delete(transcriptionKeys.unfinished(id));
  }

  async isUnfinishedIndexBuilt(): Promise<boolean> {
    return (await this.store.head(transcriptionKeys.unfinishedIndexBuilt)) !== null;
  }

  markUnfinishedIndexBuilt(): Promise<void> {
    return this.store.writeJson(transcriptionKeys.unfinishedIndexBuilt, { built_at: new Date().toISOString() });
  }

  getHeartbeat(instance: string): Promise<WorkerHeartbeat | null> {
    return this.store.readJson<WorkerHeartbeat>(transcriptionKeys.worker(instance));
  }

  saveHeartbeat(heartbeat: WorkerHeartbeat): Promise<void> {
    return this.store.writeJson(transcriptionKeys.worker(heartbeat.instance), heartbeat);
  }

  deleteHeartbeat(instance: string): Promise<void> {
    return this.store.delete(transcriptionKeys.worker(instance));
  }

  private async *idsUnder(prefix: string): AsyncIterable<string> {
    for await (const object of this.store.list(prefix)) {
      const name = object.key.slice(object.key.lastIndexOf('/') + 1);
      if (name.endsWith('.json')) yield name.slice(0, -'.json'.length);
    }
  }
}
