import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import type { HttpAnswer } from '../common/http/http-answer';
import type { MediaBatchInput, MediaInput } from '../media/upload/media-input';
import type { AnalysisOptionsDto } from './dto/analyze-image.dto';
import { BatchResult, BatchWorkItem, ImageAnalysisService, RequestedOptions } from './image-analysis.service';
import type { ImageAnalysisResult } from './image-analysis.types';
import { ImageSources } from './sources/image-sources';

/**
 * The HTTP requests of /analyze-image as service calls: the image the intake took turned into an
 * ImageSource, the options of the request (and of each batch item), the 202 of a batch still
 * running, the annotated image's bytes. ImageAnalysisService owns the analyses and the batches.
 */
@Injectable()
export class ImageAnalysisRequests {
  constructor(
    private readonly analyses: ImageAnalysisService,
    private readonly sources: ImageSources,
  ) {}

  analyze(input: MediaInput<AnalysisOptionsDto>): Promise<ImageAnalysisResult> {
    return this.analyses.analyze(this.sources.sourceOf(input.media, input.ingested), optionsOf(input.options));
  }

  /** The batch once done within `waitSeconds` (200), or as it stands with where to follow it (202). */
  async analyzeBatch(
    input: MediaBatchInput<AnalysisOptionsDto>,
    waitSeconds: number,
  ): Promise<HttpAnswer<BatchResult>> {
    const shared = optionsOf(input.options);
    const work: BatchWorkItem[] = input.items.map((item) => ({
      filename: item.filename,
      options: { ...shared, ...definedOnly(optionsOf(item.options ?? {})) },
      // An item refused at intake (wrong type, unknown media_id) fails on its own.
      source: () =>
        item.error || !item.media
          ? Promise.reject(item.error ?? new Error('no media'))
          : Promise.resolve(this.sources.sourceOf(item.media, item.ingested)),
    }));
    const batch = await this.analyses.analyzeBatch(work, waitSeconds);
    if (batch.status !== 'in_progress') return { status: HttpStatus.OK, headers: {}, body: batch };
    return {
      status: HttpStatus.ACCEPTED,
      headers: { Location: `/api/v1/analyze-image/batch/${batch.batch_id}` },
      body: batch,
    };
  }

  /** The analysed image with its boxes drawn; 404 when the image is no longer stored. */
  annotated(analysisId: string): Promise<{ body: Buffer; contentType: string }> {
    return this.analyses.annotate(analysisId, (record) => {
      if (!record.media_id) {
        throw AppException.notFound(ErrorCode.MEDIA_NOT_FOUND, 'The analysed image is not stored', {});
      }
      return this.sources.storedBytes(record.media_id);
    });
  }
}

function optionsOf(dto: Partial<AnalysisOptionsDto>): RequestedOptions {
  return { analysis_types: dto.analysis_types, max_labels: dto.max_labels, min_confidence: dto.min_confidence };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
