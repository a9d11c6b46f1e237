import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OBJECT_STORE, ObjectStore } from '../storage/object-store';
import type { AnalyzerOutput, ImageAnalysisResult, ImageInfo } from './image-analysis.types';

/** Where image analyses live in the object store (see ObjectStore for the whole key layout). */
export const analysisKeys = {
  record: (id: string) => `analyses/${id}.json`,
  cache: (sha256: string, optionsHash: string) => `cache/analysis/${sha256}/${optionsHash}.json`,
};

/** A provider's answer for one image and one set of options, shared by every replica. */
export interface AnalysisCacheEntry {
  output: AnalyzerOutput;
  /** The media that held these bytes when the entry was made. */
  media_id?: string;
  image: ImageInfo;
  provider: string;
  version: string;
  created_at: string;
}

/** The image-analysis feature's records: analyses and the result cache (batches: ImageBatchStore). */
@Injectable()
export class AnalysisRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(AnalysisRepository.name);
  /** Records written behind the answer, readable here until the store has them. */
  private readonly writing = new Map<string, { result: ImageAnalysisResult; done: Promise<void> }>();

  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  get(analysisId: string): Promise<ImageAnalysisResult | null> {
    const pending = this.writing.get(analysisId);
    if (pending) return Promise.resolve(structuredClone(pending.result));
    return this.store.readJson<ImageAnalysisResult>(analysisKeys.record(analysisId));
  }

  save(result: ImageAnalysisResult): Promise<void> {
    return this.store.writeJson(analysisKeys.record(result.analysis_id), result);
  }

  /**
   * Writes the record without making the caller wait (a cache hit answers before its record is
   * stored): this replica reads it from memory meanwhile, other replicas once the write lands
   * (a few ms). A failed write is logged: the answer was already given, GET /{id} will 404.
   */
  saveBehind(result: ImageAnalysisResult): void {
    const id = result.analysis_id;
    const done = this.save(result)
      .catch((error: unknown) => this.logger.warn({ err: error, analysis_id: id }, 'analysis record not stored'))
      .finally(() => this.writing.delete(id));
    this.writing.set(id, { result, done });
  }

  /** Records still being written land before the process stops. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.writing.values()].map((pending) => pending.done));
  }

  /** `sha256` is the image's hash with its cache namespace in front (CallerContext.cacheNamespace). */
  async getCached(sha256: string, optionsHash: string): Promise<Readonly<AnalysisCacheEntry> | null> {
    const key = analysisKeys.cache(sha256, optionsHash);
    // From the record cache: one frozen copy shared by every hit, not a parse per request.
    if (this.store.readJsonDocument) return (await this.store.readJsonDocument<AnalysisCacheEntry>(key))?.value ?? null;
    return this.store.readJson<AnalysisCacheEntry>(key);
  }

  saveCached(sha256: string, optionsHash: string, entry: AnalysisCacheEntry): Promise<void> {
    return this.store.writeJson(analysisKeys.cache(sha256, optionsHash), entry);
  }
}
