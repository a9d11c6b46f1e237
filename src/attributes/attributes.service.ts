import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { CallerContext } from '../auth/caller-context';
import { ImageAnalysisService, ImageSource } from '../image-analysis/image-analysis.service';
import type { AnalysisType, ImageAnalysisResult, ImageInfo } from '../image-analysis/image-analysis.types';
import { mediaMetrics, TrackOperation } from '../metrics/media-metrics';
import { AttributeCacheRepository } from './attribute-cache.repository';
import { AttributeExtractor, EXTRACTOR_VERSION } from './attribute-extractor';
import type { AttributeExtraction, ProductColors } from './attribute.types';
import { colorsInBox } from './product-colors';

/** What /extract-attributes asks of the image analysis. */
export const ATTRIBUTE_ANALYSIS_TYPES: AnalysisType[] = ['labels', 'objects', 'text', 'colors'];

export interface ExtractOptions {
  max_labels?: number;
  min_confidence?: number;
}

export interface AttributeResult extends AttributeExtraction {
  /** The analysis the attributes were read from (GET /analyze-image/{analysis_id}); never another owner's. */
  analysis_id?: string;
  provider: string;
  extractor_version: string;
  image: ImageInfo;
  sha256: string;
  /** The stored image (a new image is stored through the media service, as with /analyze-image). */
  media_id?: string;
  cached: boolean;
  processing_time: number;
  created_at: string;
}

/**
 * Product attributes from a photo: runs the image analysis (itself cached) for labels, objects,
 * text and colours, measures the colours inside the main object's box, and hands everything to
 * the pure AttributeExtractor. The result is cached in the store by the image's SHA-256, the
 * options, the provider and EXTRACTOR_VERSION, so every replica shares it.
 */
@Injectable()
export class AttributesService {
  private readonly extractor = new AttributeExtractor();

  constructor(
    private readonly analyses: ImageAnalysisService,
    private readonly cache: AttributeCacheRepository,
    private readonly callers: CallerContext,
  ) {}

  @TrackOperation(
    'extract_attributes',
    (service: { analyses: ImageAnalysisService }) => service.analyses.analyzer.provider,
  )
  async extract(source: ImageSource, requested: ExtractOptions = {}): Promise<AttributeResult> {
    const started = process.hrtime.bigint();
    const analysisOptions = { ...requested, analysis_types: ATTRIBUTE_ANALYSIS_TYPES };
    const resolved = this.analyses.resolveOptions(analysisOptions);
    const owner = this.callers.owner();
    const key = [
      this.callers.cacheNamespace(owner) + source.sha256,
      hash({
        extractor: EXTRACTOR_VERSION,
        provider: this.analyses.analyzer.provider,
        engine: this.analyses.analyzer.version,
        maxLabels: resolved.maxLabels,
        minConfidence: resolved.minConfidence,
      }),
    ] as const;
    let entry = await this.cache.get(...key);
    const cached = entry !== null;
    mediaMetrics.cacheRequest('attributes', cached);
    let mediaId = source.media_id;
    if (entry) {
      // a new image is still stored (or the media stored then reused), as /analyze-image does
      if (source.persist) mediaId = (await source.persist(entry.media_id)).media_id;
    } else {
      // the analysis stores a new image through source.persist and reports its media_id
      const analysis = await this.analyses.analyze(source, analysisOptions);
      const colors = await this.productColors(source, analysis);
      mediaId = analysis.media_id ?? mediaId;
      entry = {
        extraction: this.extractor.extract(analysis, colors),
        analysis_id: analysis.analysis_id,
        owner,
        ...(mediaId ? { media_id: mediaId } : {}),
        provider: analysis.provider,
        image: analysis.image,
        created_at: new Date().toISOString(),
      };
      await this.cache.save(...key, entry);
    }
    return {
      ...entry.extraction,
      ...((entry.owner ?? '') === owner ? { analysis_id: entry.analysis_id } : {}),
      provider: entry.provider,
      extractor_version: EXTRACTOR_VERSION,
      image: entry.image,
      sha256: source.sha256,
      ...(mediaId ? { media_id: mediaId } : {}),
      cached,
      processing_time: Math.round(Number(process.hrtime.bigint() - started) / 1e6) / 1000,
      created_at: entry.created_at,
    };
  }

  /**
   * The product's colours: inside the main object's box when the detector found one that does
   * not fill the frame (measured here on the decoded image), else the analysis' own colours,
   * which already leave a plain background out.
   */
  private async productColors(source: ImageSource, analysis: ImageAnalysisResult): Promise<ProductColors> {
    const background = (analysis.details?.background_color ?? null) as ProductColors['background'];
    const whole: ProductColors = { colors: analysis.colors ?? [], background, region: 'image' };
    const main = this.extractor.mainObject(analysis);
    const box = main?.bounding_box;
    if (!box || box.width * box.height > 0.8) return whole;
    const image = await this.analyses.prepare(await source.bytes());
    return (await colorsInBox(image.working, box)) ?? whole;
  }
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
