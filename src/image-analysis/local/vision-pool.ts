import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '../preprocess/prepared-image';
import type { PaddedViewRule } from './calibration';

export interface VisionTasks {
  objects: boolean;
  faces: boolean;
  moderation: boolean;
}

export interface RawObject {
  label: string;
  score: number;
  /** [x, y, w, h] as fractions of the input. */
  box: [number, number, number, number];
  /** Which detector: centernet | nanodet | ssd (Open Images SSD-MobileNetV2). */
  engine: ObjectEngine;
  /** The padded view's margin it was found on (vision-worker.js); absent for the image itself. */
  view?: number;
}

export type ObjectEngine = 'centernet' | 'nanodet' | 'ssd';

export interface RawFace {
  score: number;
  box: [number, number, number, number];
  emotions: { emotion: string; score: number }[];
}

export interface VisionResult {
  objects?: RawObject[];
  faces?: RawFace[];
  /** nsfwjs class probabilities: drawing, hentai, neutral, porn, sexy. */
  moderation?: Record<string, number>;
  /** Also padded_view (vision-worker.js): the ms of the second look, when it was taken. */
  timings: { human?: number; nanodet?: number; ssd?: number; human_views?: number; nsfw?: number };
}

export interface WorkerInfo {
  human: { version: string; models: string[]; backend: string; loadMs: number };
  nanodet?: { version: string; models: string[]; backend: string; loadMs: number } | null;
  ssd?: { version: string; models: string[]; backend: string; loadMs: number } | null;
  nsfw: { model: string; loadMs: number } | null;
  loadMs: number;
}

export interface VisionPoolOptions {
  size: number;
  objectMinScore?: number;
  /** Run NanoDet beside CenterNet (default true). */
  nanodet?: boolean;
  /** Load CenterNet, the face models, nsfwjs (each default true): a model not loaded costs no memory. */
  centernet?: boolean;
  faces?: boolean;
  moderation?: boolean;
  /** Run the Open Images SSD beside them (default true). */
  ssd?: boolean;
  /** Views objects are detected on: 0 = the image, m > 0 = padded to a square with margin m (default [0]). */
  objectViews?: number[];
  /** A second look on a padded view when nothing confident was found (calibration.ts; default none). */
  paddedView?: PaddedViewRule | null;
  nsfwModel?: string;
}

interface Job {
  message: { id: number; type: 'analyze'; rgb: ArrayBuffer; width: number; height: number; tasks: VisionTasks };
  resolve: (result: VisionResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  info?: WorkerInfo;
  job?: Job;
}

export const VISION_WORKER_PATH = join(__dirname, 'worker', 'vision-worker.js');

/**
 * A fixed pool of worker threads, each hosting Human (objects, faces) and nsfwjs (moderation) on
 * tfjs-wasm with its own copy of the models, so N requests use N cores and the event loop stays
 * free. Workers start on the first call to start() (lazily or in the background); a worker that
 * dies fails its job and is replaced.
 */
export class VisionPool {
  private readonly logger = new Logger(VisionPool.name);
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private starting?: Promise<void>;
  private sequence = 0;
  private closed = false;
  private lastError?: string;

  constructor(private readonly options: VisionPoolOptions) {}

  /** Starts the workers once; resolves when every one has loaded its models. */
  start(): Promise<void> {
    this.starting ??= Promise.all(Array.from({ length: this.options.size }, () => this.spawn())).then(() => undefined);
    this.starting.catch((error: Error) => {
      this.lastError = error.message;
      this.starting = undefined; // a later call retries
    });
    return this.starting;
  }

  get started(): boolean {
    return this.slots.length > 0 && this.slots.every((slot) => slot.ready);
  }

  status() {
    const ready = this.slots.filter((slot) => slot.ready);
    return {
      workers: this.options.size,
      workers_ready: ready.length,
      models: ready[0]?.info
        ? [
            ...ready[0].info.human.models,
            ...(ready[0].info.nanodet ? ['nanodet'] : []),
            ...(ready[0].info.ssd ? ready[0].info.ssd.models : []),
            ...(ready[0].info.nsfw ? [`nsfwjs:${ready[0].info.nsfw.model}`] : []),
          ]
        : [],
      human_version: ready[0]?.info?.human.version,
      backend: ready[0]?.info?.human.backend,
      load_ms: ready.map((slot) => slot.info?.loadMs),
      ...(this.lastError ? { last_error: this.lastError } : {}),
    };
  }

  /** Runs the asked tasks on packed RGB pixels (copied, then transferred to the worker). */
  async analyze(image: RgbImage, tasks: VisionTasks): Promise<VisionResult> {
    if (this.closed) throw new Error('vision pool is closed');
    await this.start();
    const copy = image.data.buffer.slice(image.data.byteOffset, image.data.byteOffset + image.data.byteLength);
    return new Promise<VisionResult>((resolve, reject) => {
      this.queue.push({
        message: {
          id: ++this.sequence,
          type: 'analyze',
          rgb: copy as ArrayBuffer,
          width: image.width,
          height: image.height,
          tasks,
        },
        resolve,
        reject,
      });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('vision pool closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(VISION_WORKER_PATH, {
        workerData: {
          // Low: raw scores are calibrated (calibration.ts) and min_confidence filters afterwards.
          objectMinScore: this.options.objectMinScore ?? 0.15,
          nanodet: this.options.nanodet ?? true,
          centernet: this.options.centernet ?? true,
          faces: this.options.faces ?? true,
          moderation: this.options.moderation ?? true,
          ssd: this.options.ssd ?? true,
          objectViews: this.options.objectViews ?? [0],
          paddedView: this.options.paddedView ?? null,
          nsfwModel: this.options.nsfwModel ?? 'MobileNetV2',
        },
      });
      const slot: Slot = { worker, ready: false };
      this.slots.push(slot);
      let settled = false;
      worker.on(
        'message',
        (message: {
          type?: string;
          info?: WorkerInfo;
          error?: string;
          id?: number;
          ok?: boolean;
          result?: VisionResult;
        }) => {
          if (message.type === 'ready') {
            slot.ready = true;
            slot.info = message.info;
            settled = true;
            resolve();
            this.pump();
          } else if (message.type === 'fatal') {
            settled = true;
            this.remove(slot);
            void worker.terminate();
            reject(new Error(`vision worker failed to load: ${message.error}`));
          } else if (slot.job && message.id === slot.job.message.id) {
            const job = slot.job;
            slot.job = undefined;
            if (message.ok) job.resolve(message.result as VisionResult);
            else job.reject(new Error(message.error));
            this.pump();
          }
        },
      );
      worker.on('error', (error) => {
        this.logger.error({ err: error }, 'vision worker crashed');
        this.lastError = error.message;
        if (!settled) {
          settled = true;
          reject(error);
        }
        this.fail(slot, error);
      });
      worker.on('exit', (code) => {
        if (this.closed) return;
        const error = new Error(`vision worker exited with code ${code}`);
        if (!settled) {
          settled = true;
          reject(error);
        }
        this.fail(slot, error);
      });
    });
  }

  /** A dead worker fails its job and is replaced in the background. */
  private fail(slot: Slot, error: Error): void {
    if (!this.slots.includes(slot)) return;
    const wasReady = slot.ready;
    this.remove(slot);
    slot.job?.reject(error);
    slot.job = undefined;
    if (wasReady && !this.closed) {
      this.spawn().catch((spawnError: Error) => {
        this.lastError = spawnError.message;
      });
    }
  }

  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job || this.queue.length === 0) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.worker.postMessage(job.message, [job.message.rgb]);
    }
  }
}
