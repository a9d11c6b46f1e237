import { join } from 'node:path';
import { createScheduler, createWorker, OEM, PSM, Scheduler } from 'tesseract.js';
import { clampBox } from '../../common/geometry/bounding-box';
import type { BoundingBox, TextDetection } from '../image-analysis.types';
import { encodeWorking, PreparedImage } from '../preprocess/prepared-image';

const { packageDir } = require('./worker/engine-paths') as { packageDir: (name: string) => string };

export interface OcrOptions {
  workers: number;
}

/**
 * tesseract.js 7 with the English LSTM model from @tesseract.js-data/eng, all read from
 * node_modules: langPath is the package folder (gzip files, cacheMethod none so nothing is written
 * to the working directory), page segmentation AUTO (the default single-block mode misses lines),
 * and an errorHandler so a failed job rejects instead of crashing the process.
 */
export class OcrEngine {
  private scheduler?: Scheduler;
  private starting?: Promise<Scheduler>;
  private loadMs?: number;
  private lastError?: string;
  readonly langPath = join(packageDir('@tesseract.js-data/eng'), '4.0.0_best_int');

  constructor(private readonly options: OcrOptions) {}

  start(): Promise<Scheduler> {
    this.starting ??= this.load();
    this.starting.catch((error: Error) => {
      this.lastError = error.message;
      this.starting = undefined;
    });
    return this.starting;
  }

  get started(): boolean {
    return this.scheduler !== undefined;
  }

  status() {
    return {
      workers: this.options.workers,
      workers_ready: this.scheduler ? this.scheduler.getNumWorkers() : 0,
      models: this.scheduler ? ['tesseract:eng:4.0.0_best_int'] : [],
      load_ms: this.loadMs,
      ...(this.lastError ? { last_error: this.lastError } : {}),
    };
  }

  private async load(): Promise<Scheduler> {
    const started = Date.now();
    const scheduler = createScheduler();
    try {
      await Promise.all(
        Array.from({ length: this.options.workers }, async () => {
          const worker = await createWorker('eng', OEM.LSTM_ONLY, {
            langPath: this.langPath,
            gzip: true,
            cacheMethod: 'none',
            workerPath: join(packageDir('tesseract.js'), 'src', 'worker-script', 'node', 'index.js'),
            logger: () => undefined,
            errorHandler: () => undefined,
          });
          // A fixed dpi: PNGs without one make Tesseract print "Invalid resolution" and guess per image.
          await worker.setParameters({
            tessedit_pageseg_mode: PSM.AUTO,
            preserve_interword_spaces: '1',
            user_defined_dpi: '300',
            // Tesseract's diagnostics ("Detected 10 diacritics") go nowhere instead of stdout.
            debug_file: '/dev/null',
          });
          scheduler.addWorker(worker);
        }),
      );
    } catch (error) {
      await scheduler.terminate();
      throw error;
    }
    this.loadMs = Date.now() - started;
    this.scheduler = scheduler;
    return scheduler;
  }

  /**
   * Lines and their words, boxes as fractions of the image. Tesseract likes a 20-40 px x-height:
   * small images are upscaled (at most 2x), huge ones capped at 2400 px.
   */
  async recognize(image: PreparedImage, minConfidence: number): Promise<TextDetection[]> {
    const { working } = image;
    // Nothing legible fits in fewer than 8 pixels, and Tesseract refuses such images.
    if (Math.min(working.width, working.height) < 8) return [];
    const scheduler = await this.start();
    const longest = Math.max(working.width, working.height);
    const scale = longest < 1000 ? Math.min(2, 2400 / longest) : longest > 2400 ? 2400 / longest : 1;
    const png = await encodeWorking(image, 'png', { grayscale: true, scale });
    const width = Math.max(1, Math.round(working.width * scale));
    const height = Math.max(1, Math.round(working.height * scale));
    const { data } = await scheduler.addJob('recognize', png, {}, { text: true, blocks: true });
    const toBox = (b: { x0: number; y0: number; x1: number; y1: number }): BoundingBox =>
      clampBox({
        left: b.x0 / width,
        top: b.y0 / height,
        width: (b.x1 - b.x0) / width,
        height: (b.y1 - b.y0) / height,
      });
    // Floors measured on the fixtures: junk lines score under 50, real words over 30.
    const minLine = Math.max(0.5, minConfidence);
    const minWord = Math.max(0.3, Math.min(minConfidence, minLine));
    const detections: TextDetection[] = [];
    for (const block of data.blocks ?? []) {
      for (const paragraph of block.paragraphs ?? []) {
        for (const line of paragraph.lines ?? []) {
          const text = line.text.replace(/\s+/g, ' ').trim();
          const words = (line.words ?? []).filter((w) => w.text.trim() && w.confidence / 100 >= minWord);
          if (!text || line.confidence / 100 < minLine || words.length === 0) continue;
          const lineIndex = detections.length;
          detections.push({
            text,
            confidence: round(line.confidence / 100),
            bounding_box: toBox(line.bbox),
            type: 'line',
          });
          for (const word of words) {
            detections.push({
              text: word.text.trim(),
              confidence: round(word.confidence / 100),
              bounding_box: toBox(word.bbox),
              type: 'word',
              parent_index: lineIndex,
            });
          }
        }
      }
    }
    return detections;
  }

  async close(): Promise<void> {
    const scheduler = this.scheduler ?? (await this.starting?.catch(() => undefined));
    this.scheduler = undefined;
    this.starting = undefined;
    await scheduler?.terminate();
  }
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
