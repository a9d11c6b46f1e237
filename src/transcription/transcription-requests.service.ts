import { HttpStatus, Injectable } from '@nestjs/common';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import type { HttpAnswer } from '../common/http/http-answer';
import { MediaService } from '../media/media.service';
import type { MediaBatchInput, MediaInput } from '../media/upload/media-input';
import {
  BatchAcceptedDto,
  BatchJobDto,
  BatchStatusDto,
  JobAcceptedDto,
  TranscriptionJobDto,
  TranscriptionOptionsDto,
} from './dto/transcription.dto';
import { RENDERERS } from './formats/subtitles';
import { toView, TranscriptionService } from './transcription.service';
import type { BatchItem, JobError, OutputFormat, TranscriptionJob } from './transcription.types';

const finished = (job: TranscriptionJob) => job.status === 'completed' || job.status === 'failed';
const jobLocation = (id: string) => `/api/v1/transcribe/${id}`;

/**
 * The HTTP requests of /transcribe as service calls: a submission (options resolved once, the
 * optional wait, the answer rendered), a batch (one job per item, the bookkeeping, each refused
 * item its own entry) and the reads. TranscriptionService owns the jobs themselves.
 */
@Injectable()
export class TranscriptionRequests {
  constructor(
    private readonly transcription: TranscriptionService,
    private readonly media: MediaService,
  ) {}

  /** 202 and the accepted job, or 200 and the finished job (as output_format) within `waitSeconds`. */
  async submit(
    input: MediaInput<TranscriptionOptionsDto>,
    waitSeconds = 0,
  ): Promise<HttpAnswer<JobAcceptedDto | TranscriptionJobDto | string>> {
    await this.transcription.assertAvailable();
    const { options, callbackUrl } = await this.transcription.parseOptions(input.options);
    let job = await this.transcription.submit({ media: input.media, options, callbackUrl, ingested: input.ingested });
    if (waitSeconds > 0 && !finished(job)) job = await this.transcription.waitFor(job.transcription_id, waitSeconds);
    const location = { Location: jobLocation(job.transcription_id) };
    if (!finished(job)) return { status: HttpStatus.ACCEPTED, headers: location, body: accepted(job) };
    const answer = render(job, job.status === 'completed' ? job.options.output_format : 'json');
    return { ...answer, headers: { ...location, ...answer.headers } };
  }

  /** The job (after up to `waitSeconds`), as JSON or, once completed, as text or subtitles. */
  async job(
    id: string,
    format: OutputFormat = 'json',
    waitSeconds = 0,
  ): Promise<HttpAnswer<TranscriptionJobDto | string>> {
    const job = waitSeconds > 0 ? await this.transcription.waitFor(id, waitSeconds) : await this.transcription.get(id);
    if (format !== 'json' && job.status !== 'completed') {
      throw new AppException(
        ErrorCode.CONFLICT,
        `The job is ${job.status}: ${format} is available once it has completed`,
        HttpStatus.CONFLICT,
        { status: job.status },
      );
    }
    return render(job, format);
  }

  /**
   * One job per item with the batch's options; an item refused at intake or at submission gets a
   * `rejected` entry (its stored media deleted) and does not sink the others.
   */
  async submitBatch(input: MediaBatchInput<TranscriptionOptionsDto>): Promise<HttpAnswer<BatchAcceptedDto>> {
    await this.transcription.assertAvailable();
    const { options, callbackUrl } = await this.transcription.parseOptions(input.options);
    const batchId = this.transcription.newBatchId();
    const items: BatchItem[] = [];
    const jobs: BatchJobDto[] = [];
    for (const item of input.items) {
      const filename =
        item.filename ?? (item.media && !item.ingested ? item.media.filename : undefined) ?? `item-${item.index + 1}`;
      let error = item.error ? jobError(item.error) : undefined;
      if (item.media && !error) {
        try {
          const job = await this.transcription.submit({
            media: item.media,
            options,
            callbackUrl,
            batchId,
            ingested: item.ingested,
          });
          items.push({ index: item.index, filename, transcription_id: job.transcription_id });
          jobs.push({ transcription_id: job.transcription_id, filename, status: job.status });
          continue;
        } catch (submitError) {
          if (item.ingested) await this.media.delete(item.media.media_id).catch(() => undefined);
          error = jobError(submitError);
        }
      }
      error ??= { code: ErrorCode.INVALID_FILE, message: 'The item could not be read' };
      items.push({ index: item.index, filename, error });
      jobs.push({ filename, status: 'rejected', error });
    }
    await this.transcription.saveBatch({ batch_id: batchId, owner: '', created_at: new Date().toISOString(), items });
    return {
      status: HttpStatus.ACCEPTED,
      headers: { Location: `/api/v1/transcribe/batch/${batchId}` },
      body: { batch_id: batchId, jobs },
    };
  }

  /** Each job's status in the batch, and the counts per status. */
  async batch(batchId: string): Promise<BatchStatusDto> {
    const { batch, jobs } = await this.transcription.getBatch(batchId);
    const counts: Record<string, number> = {
      total: batch.items.length,
      queued: 0,
      in_progress: 0,
      completed: 0,
      failed: 0,
      rejected: 0,
    };
    const entries = batch.items.map((item, index): BatchJobDto => {
      const job = jobs[index];
      const status = job ? job.status : 'rejected';
      counts[status] += 1;
      const error = job?.error ?? item.error;
      return {
        ...(item.transcription_id ? { transcription_id: item.transcription_id } : {}),
        filename: item.filename,
        status,
        ...(job?.status === 'in_progress' ? { progress: job.progress } : {}),
        ...(error ? { error } : {}),
      };
    });
    return { batch_id: batch.batch_id, created_at: batch.created_at, jobs: entries, counts };
  }
}

function accepted(job: TranscriptionJob): JobAcceptedDto {
  return {
    transcription_id: job.transcription_id,
    status: job.status,
    created_at: job.created_at,
    media_id: job.media_id,
  };
}

/** The job as JSON, or a completed result rendered as text or subtitles. */
function render(job: TranscriptionJob, format: OutputFormat): HttpAnswer<TranscriptionJobDto | string> {
  if (format === 'json' || !job.result) return { status: HttpStatus.OK, headers: {}, body: toView(job) };
  const renderer = RENDERERS[format];
  return {
    status: HttpStatus.OK,
    headers: {
      'Content-Type': renderer.contentType,
      'Content-Disposition': `inline; filename="${job.transcription_id}.${renderer.extension}"`,
    },
    body: renderer.render(job.result),
  };
}

function jobError(error: unknown): JobError {
  if (error instanceof AppException) return { code: error.code, message: error.message };
  return { code: ErrorCode.INTERNAL_ERROR, message: 'The item could not be processed' };
}
