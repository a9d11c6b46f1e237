import { Inject, Injectable } from '@nestjs/common';
import { OBJECT_STORE, ObjectStore } from '../../storage/object-store';
import type { BatchResult } from '../image-analysis.service';
import type { AnalysisType, ImageAnalysisResult } from '../image-analysis.types';

/** Where a batch item's image is and how to analyse it (written once, at submit). */
export interface BatchItemInput {
  index: number;
  filename?: string;
  options: { analysis_types?: AnalysisType[]; max_labels?: number; min_confidence?: number };
  /** The stored image (uploaded with the batch, or named by media_id). */
  media_id?: string;
  /** The media was stored for this batch (deleted again if the batch is refused). */
  ingested?: boolean;
  /** The image failed intake: this is the item's outcome, it is never queued. */
  error?: ItemError;
}

export interface ItemError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** One start of an item on a worker. */
export interface ItemRun {
  attempt: number;
  worker: string;
  started_at: string;
  finished_at?: string;
  /** Absent while running (or when its worker died); `retry` after a transient fault. */
  outcome?: 'completed' | 'failed' | 'interrupted' | 'retry';
}

/** analyses/batches/<id>/items/<index>.json: written by whichever worker runs the item. */
export interface BatchItemState {
  index: number;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  runs: ItemRun[];
  result?: ImageAnalysisResult;
  error?: ItemError;
  updated_at: string;
}

/**
 * analyses/batches/<id>.json. Items are queued jobs run by any replica, each writing only its own
 * item record (so no two workers rewrite one object); the batch record is rewritten with every
 * item once the last one ends. Records from before the queue have no `inputs` and are final.
 */
export type StoredBatch = BatchResult & { inputs?: BatchItemInput[] };

export const batchKeys = {
  batch: (id: string) => `analyses/batches/${id}.json`,
  item: (id: string, index: number) => `analyses/batches/${id}/items/${index}.json`,
};

/** A queue job id per item: `<batch_id>.<index>` (BullMQ ids may not hold ':'). */
export const itemJobId = (batchId: string, index: number) => `${batchId}.${index}`;

export function parseItemJobId(jobId: string): { batchId: string; index: number } | undefined {
  const match = /^([0-9a-f-]{36})\.(\d{1,3})$/.exec(jobId);
  return match ? { batchId: match[1], index: Number(match[2]) } : undefined;
}

/** The batch records: one written at submit (and once more when every item has ended), one per item. */
@Injectable()
export class ImageBatchStore {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  getBatch(id: string): Promise<StoredBatch | null> {
    return this.store.readJson<StoredBatch>(batchKeys.batch(id));
  }

  saveBatch(batch: StoredBatch): Promise<void> {
    return this.store.writeJson(batchKeys.batch(batch.batch_id), batch);
  }

  async deleteBatch(id: string): Promise<void> {
    await this.store.deletePrefix(`analyses/batches/${id}/`);
    await this.store.delete(batchKeys.batch(id));
  }

  getItem(id: string, index: number): Promise<BatchItemState | null> {
    return this.store.readJson<BatchItemState>(batchKeys.item(id, index));
  }

  saveItem(id: string, item: BatchItemState): Promise<void> {
    return this.store.writeJson(batchKeys.item(id, item.index), item);
  }

  /** Every queued item's record (null where none was written yet). */
  items(batch: StoredBatch): Promise<(BatchItemState | null)[]> {
    const queued = (batch.inputs ?? []).filter((input) => !input.error);
    return Promise.all(queued.map((input) => this.getItem(batch.batch_id, input.index)));
  }
}

/** Injection token of the queue that runs batch items (BullMQ with REDIS_URL, in-process otherwise). */
export const IMAGE_BATCH_QUEUE = Symbol('IMAGE_BATCH_QUEUE');
