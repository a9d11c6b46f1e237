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
  /** padded_view: the ms of the second look, when it was taken. */
  timings: {
    human?: number;
    nanodet?: number;
    ssd?: number;
    human_views?: number;
    nsfw?: number;
    padded_view?: number;
  };
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

/** What one worker can run of an image on its own (vision-worker.js). */
export type VisionPart = 'human' | 'nanodet' | 'ssd' | 'nsfw';

/** Objects of one part's run, by source: CenterNet on the image, then each object view's engines. */
interface FoundObjects {
  base: RawObject[];
  views: { centernet: RawObject[]; nanodet: RawObject[]; ssd: RawObject[] }[];
}

type PartResult = Omit<VisionResult, 'objects'> & { found?: FoundObjects };

interface Job {
  message: {
    id: number;
    type: 'analyze';
    rgb: ArrayBuffer;
    width: number;
    height: number;
    tasks: VisionTasks;
    parts: VisionPart[];
    /** Only the objects on these views (the second look on a padded view). */
    views?: number[];
  };
  resolve: (result: PartResult) => void;
  reject: (error: Error) => void;
}

/** Which timing each part reports, to learn what it costs (vision-worker.js names them). */
const PART_TIMINGS: Record<VisionPart, (keyof VisionResult['timings'])[]> = {
  human: ['human', 'human_views'],
  nanodet: ['nanodet'],
  ssd: ['ssd'],
  nsfw: ['nsfw'],
};

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
  /** Mean ms of each part, measured (starting guesses from a 640 px image on these machines). */
  private readonly partMs: Record<VisionPart, number> = { human: 190, nanodet: 120, ssd: 105, nsfw: 60 };

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

  /** Each live worker's event-loop time so far, busy and idle (ms): how much of the pool a load used. */
  utilization(): { active: number; idle: number }[] {
    return this.slots.map((slot) => {
      const { active, idle } = slot.worker.performance.eventLoopUtilization();
      return { active, idle };
    });
  }

  /**
   * Runs the asked tasks on packed RGB pixels. The engines of one image are split over up to
   * `size` workers (each part where it costs least, by the times measured so far), so one request
   * does not run CenterNet, NanoDet and the SSD one after another on one worker while the others
   * idle; under load the parts of successive requests queue FIFO and every worker stays busy.
   * The answer is the one a single worker gives (objects in the same order).
   */
  async analyze(image: RgbImage, tasks: VisionTasks): Promise<VisionResult> {
    if (this.closed) throw new Error('vision pool is closed');
    await this.start();
    const groups = this.groupsOf(this.partsFor(tasks));
    const results = await Promise.all(groups.map((parts) => this.submit(image, tasks, parts)));
    const joined = joinParts(results, tasks, this.options.objectViews ?? [0]);
    if (tasks.objects && this.wantsPaddedView(image, joined.objects ?? [])) await this.lookAgainPadded(image, joined);
    return joined;
  }

  /** The second look (calibration.ts paddedViewRule): nothing confident found, and a plain border. */
  private wantsPaddedView(image: RgbImage, objects: RawObject[]): boolean {
    const rule = this.options.paddedView;
    if (!rule || this.paddedMargins().length === 0) return false;
    const confident = objects.some((object) => object.score >= (rule.whenBelowRaw[object.engine] ?? Infinity));
    return !confident && borderDeviation(image) < rule.plainBorderMaxSd;
  }

  /** The second look's margins that the first look did not already cover (objectViews). */
  private paddedMargins(): number[] {
    const views = this.options.objectViews ?? [0];
    return (this.options.paddedView?.margins ?? []).filter((margin) => !views.includes(margin));
  }

  /** The object engines again on the padded view, spread like the first look; appended in worker order. */
  private async lookAgainPadded(image: RgbImage, joined: VisionResult): Promise<void> {
    const margins = this.paddedMargins();
    const started = Date.now();
    const tasks = { objects: true, faces: false, moderation: false };
    const groups = this.groupsOf(this.partsFor(tasks));
    const results = await Promise.all(groups.map((parts) => this.submit(image, tasks, parts, margins)));
    const second = joinParts(results, tasks, margins);
    joined.objects = [...(joined.objects ?? []), ...(second.objects ?? [])];
    for (const [key, ms] of Object.entries(second.timings) as [keyof VisionResult['timings'], number][]) {
      joined.timings[key] = (joined.timings[key] ?? 0) + ms;
    }
    joined.timings.padded_view = Date.now() - started;
  }

  /** The parts these tasks need on the loaded models. */
  private partsFor(tasks: VisionTasks): VisionPart[] {
    const parts: VisionPart[] = [];
    const views = this.options.objectViews ?? [0];
    const centernet = this.options.centernet ?? true;
    if ((tasks.objects && centernet) || (tasks.faces && (this.options.faces ?? true))) parts.push('human');
    if (tasks.objects && (this.options.nanodet ?? true)) parts.push('nanodet');
    if (tasks.objects && (this.options.ssd ?? true)) parts.push('ssd');
    if (tasks.moderation && (this.options.moderation ?? true)) parts.push('nsfw');
    // Padded views run CenterNet in the human part even when only objects are asked.
    if (tasks.objects && centernet && views.some((m) => m > 0) && !parts.includes('human')) parts.unshift('human');
    return parts;
  }

  /** Workers with nothing to run once what is already queued has been handed out. */
  private idleWorkers(): number {
    return this.slots.filter((slot) => slot.ready && !slot.job).length - this.queue.length;
  }

  /** Longest part first onto the least loaded of min(size, parts) groups (the cost: its mean ms). */
  private groupsOf(parts: VisionPart[]): VisionPart[][] {
    // Split only over the workers idle right now: under load every worker is busy anyway, and a
    // split would only add a pixel copy and a join per part; a request then runs whole on one
    // worker, as before the split (README, "Scheduling over the vision workers").
    const count = Math.max(1, Math.min(this.options.size, parts.length, this.idleWorkers()));
    const groups = Array.from({ length: count }, () => ({ parts: [] as VisionPart[], cost: 0 }));
    const byCost = [...parts].sort((a, b) => this.partMs[b] - this.partMs[a]);
    for (const part of byCost) {
      const lightest = groups.reduce((min, group) => (group.cost < min.cost ? group : min));
      lightest.parts.push(part);
      lightest.cost += this.partMs[part];
    }
    return groups.map((group) => group.parts).filter((group) => group.length > 0);
  }

  /** One job for one worker: its own copy of the pixels (transferred, not cloned). */
  private submit(image: RgbImage, tasks: VisionTasks, parts: VisionPart[], views?: number[]): Promise<PartResult> {
    const copy = image.data.buffer.slice(image.data.byteOffset, image.data.byteOffset + image.data.byteLength);
    return new Promise<PartResult>((resolve, reject) => {
      this.queue.push({
        message: {
          id: ++this.sequence,
          type: 'analyze',
          rgb: copy as ArrayBuffer,
          width: image.width,
          height: image.height,
          tasks,
          parts,
          ...(views ? { views } : {}),
        },
        resolve: (result) => {
          this.learn(result.timings);
          resolve(result);
        },
        reject,
      });
      this.pump();
    });
  }

  /** A running mean of what each part took, for groupsOf. */
  private learn(timings: VisionResult['timings']): void {
    for (const [part, keys] of Object.entries(PART_TIMINGS) as [VisionPart, (keyof VisionResult['timings'])[]][]) {
      const took = keys.reduce((sum, key) => sum + (timings[key] ?? 0), 0);
      if (took > 0) this.partMs[part] = this.partMs[part] * 0.8 + took * 0.2;
    }
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
          result?: PartResult;
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
            if (message.ok) job.resolve(message.result as PartResult);
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

/** The parts' answers as one worker's: objects in vision-worker.js' order, timings side by side. */
function joinParts(results: PartResult[], tasks: VisionTasks, views: number[]): VisionResult {
  const joined: VisionResult = { timings: {} };
  const found: FoundObjects = { base: [], views: views.map(() => ({ centernet: [], nanodet: [], ssd: [] })) };
  for (const result of results) {
    if (result.faces) joined.faces = result.faces;
    if (result.moderation) joined.moderation = result.moderation;
    Object.assign(joined.timings, result.timings);
    if (!result.found) continue;
    found.base.push(...result.found.base);
    result.found.views.forEach((view, i) => {
      found.views[i].centernet.push(...view.centernet);
      found.views[i].nanodet.push(...view.nanodet);
      found.views[i].ssd.push(...view.ssd);
    });
  }
  if (tasks.objects) {
    joined.objects = [
      ...found.base,
      ...found.views.flatMap((view) => [...view.centernet, ...view.nanodet, ...view.ssd]),
    ];
  }
  return joined;
}

/**
 * Standard deviation of the border pixels, all channels about their own means (the top and bottom
 * rows, then the left and right columns, corners twice): ~0 on a product shot on white.
 */
function borderDeviation({ data, width, height }: RgbImage): number {
  const offsets: number[] = [];
  for (let x = 0; x < width; x += 1) offsets.push(x * 3, ((height - 1) * width + x) * 3);
  for (let y = 0; y < height; y += 1) offsets.push(y * width * 3, (y * width + width - 1) * 3);
  const means = [0, 1, 2].map((c) => offsets.reduce((sum, offset) => sum + data[offset + c], 0) / offsets.length);
  let squares = 0;
  for (const offset of offsets) {
    for (let c = 0; c < 3; c += 1) squares += (data[offset + c] - means[c]) ** 2;
  }
  return Math.sqrt(squares / (offsets.length * 3));
}
