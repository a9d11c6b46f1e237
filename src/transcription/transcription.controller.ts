import { RequireScope } from '../auth/scopes';
import { Controller, Get, HttpStatus, Inject, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { UuidParam } from '../common/http/uuid-param';
import type { Request, Response } from 'express';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { readMultipart } from '../common/http/multipart';
import { ApiMediaInput } from '../docs/api-media-input.decorator';
import { validationFailed } from '../common/http/validation-errors';
import { storageConfig, StorageConfig, transcriptionConfig, TranscriptionConfig } from '../config/configuration';
import type { MediaRecord } from '../media/media-record';
import { MediaService } from '../media/media.service';
import {
  BatchAcceptedDto,
  BatchStatusDto,
  JobAcceptedDto,
  TranscribeBatchJsonDto,
  TranscribeJsonDto,
  TranscriptionJobDto,
  TranscriptionOptionsDto,
} from './dto/transcription.dto';
import { RENDERERS } from './formats/subtitles';
import { toView, TranscriptionService } from './transcription.service';
import type { BatchItem, JobError, OutputFormat, TranscriptionJob } from './transcription.types';

const OPTION_FIELDS = [
  'language_code',
  'speaker_count',
  'vocabulary_name',
  'language_options',
  'output_format',
  'callback_url',
];
const isMultipart = (req: Request) => /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');

async function validated<T extends object>(cls: new () => T, body: unknown): Promise<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw AppException.badRequest(ErrorCode.VALIDATION_FAILED, 'Send a JSON object or multipart/form-data');
  }
  const dto = plainToInstance(cls, body);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw validationFailed(errors);
  return dto;
}

const ID_PARAM = { name: 'job_id', format: 'uuid', description: 'transcription_id from POST /transcribe' };

@ApiTags('transcription')
@ApiExtraModels(TranscribeJsonDto, TranscribeBatchJsonDto, TranscriptionJobDto)
@RequireScope('transcribe')
@Controller('transcribe')
export class TranscriptionController {
  constructor(
    private readonly transcription: TranscriptionService,
    private readonly media: MediaService,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    @Inject(transcriptionConfig.KEY) private readonly config: TranscriptionConfig,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Start a transcription job',
    description:
      'multipart `file` (plus option fields), or JSON with `audio_file` (base64) or `media_id`. The audio is ' +
      'validated (type from the bytes, size, duration from TRANSCRIBE_MIN_DURATION to TRANSCRIBE_MAX_DURATION) and ' +
      'stored. Answers 202 and a Location; with `?wait=N` waits up to N seconds (at most TRANSCRIBE_MAX_WAIT) and ' +
      'answers 200 with the result (rendered as output_format) when the job finishes in time. A repeat of the same ' +
      'audio and options is answered at once from the cache (`cached: true`).',
  })
  @ApiMediaInput({
    fileField: 'file',
    fileDescription: 'An audio file: mp3, wav, m4a, flac, ogg or webm',
    options: TranscriptionOptionsDto,
    json: TranscribeJsonDto,
  })
  @ApiQuery({ name: 'wait', required: false, type: Number, description: 'Seconds to wait for the result' })
  @ApiAcceptedResponse({
    type: JobAcceptedDto,
    description: 'Queued (or still running after wait)',
    headers: { Location: { description: 'The job: GET it for status and result', schema: { type: 'string' } } },
  })
  @ApiOkResponse({
    description: 'Finished within wait, or cached: the job, rendered as output_format',
    content: jobRenderings(),
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, FILE_MISSING, UNEXPECTED_FIELD' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND (media_id)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT: not audio' })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_FILE: unreadable, truncated, too short or too long' })
  @ApiServiceUnavailableResponse({ description: 'ENGINE_UNAVAILABLE: names the packages to install' })
  async submit(@Req() req: Request, @Res() res: Response, @Query('wait') wait?: string): Promise<void> {
    const waitSeconds = this.parseWait(wait);
    await this.transcription.assertAvailable();
    let media: MediaRecord;
    let raw: Record<string, unknown>;
    let ingested = false;
    if (isMultipart(req)) {
      const { fields, files } = await readMultipart(req, {
        fileField: 'file',
        allowedFields: OPTION_FIELDS,
        maxFileSize: this.storage.maxFileSize,
        onFile: (part, signal) =>
          this.media.ingest({ stream: part.stream, filename: part.filename, accept: ['audio'], signal }),
      });
      [media, raw, ingested] = [files[0], fields, true];
    } else {
      const body = await validated(TranscribeJsonDto, req.body);
      const { audio_file, media_id, filename, ...options } = body;
      if ((audio_file === undefined) === (media_id === undefined)) {
        throw AppException.badRequest(
          ErrorCode.VALIDATION_FAILED,
          'Send exactly one of audio_file (base64) or media_id',
          {
            fields: { audio_file: ['audio_file or media_id is required (not both)'] },
          },
        );
      }
      raw = options as Record<string, unknown>;
      // Options are checked before anything is stored.
      await this.transcription.parseOptions(raw);
      if (media_id !== undefined) {
        media = await this.media.get(media_id);
      } else {
        media = await this.media.ingestBuffer(Buffer.from(audio_file as string, 'base64'), {
          filename,
          accept: ['audio'],
        });
        ingested = true;
      }
    }
    let job: TranscriptionJob;
    try {
      const { options, callbackUrl } = await this.transcription.parseOptions(raw);
      job = await this.transcription.submit({ media, options, callbackUrl, ingested });
    } catch (error) {
      if (ingested) await this.media.delete(media.media_id).catch(() => undefined);
      throw error;
    }
    if (waitSeconds > 0 && job.status !== 'completed' && job.status !== 'failed') {
      job = await this.transcription.waitFor(job.transcription_id, waitSeconds);
    }
    res.setHeader('Location', `/api/v1/transcribe/${job.transcription_id}`);
    if (job.status === 'completed' || job.status === 'failed') {
      this.send(res, job, job.status === 'completed' ? job.options.output_format : 'json');
      return;
    }
    res.status(HttpStatus.ACCEPTED).json({
      transcription_id: job.transcription_id,
      status: job.status,
      created_at: job.created_at,
      media_id: job.media_id,
    });
  }

  @Post('batch')
  @ApiOperation({
    summary: 'Start one job per file',
    description:
      'multipart `files` (up to TRANSCRIBE_BATCH_MAX, plus option fields for all), or JSON {items:[{audio_file | ' +
      'media_id, filename}], ...options}. A bad item is reported in its own entry (status `rejected`, error) and does ' +
      'not sink the batch.',
  })
  @ApiMediaInput({
    fileField: 'files',
    fileDescription: 'Audio files: mp3, wav, m4a, flac, ogg or webm',
    options: TranscriptionOptionsDto,
    json: TranscribeBatchJsonDto,
  })
  @ApiAcceptedResponse({
    type: BatchAcceptedDto,
    headers: { Location: { description: 'The batch: GET it for each job', schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, TOO_MANY_FILES, FILE_MISSING' })
  @ApiServiceUnavailableResponse({ description: 'ENGINE_UNAVAILABLE' })
  async submitBatch(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.transcription.assertAvailable();
    const batchId = this.transcription.newBatchId();
    const entries: Array<{ filename: string; media?: MediaRecord; ingested: boolean; error?: JobError }> = [];
    let raw: Record<string, unknown>;
    if (isMultipart(req)) {
      const { fields } = await readMultipart(req, {
        fileField: 'files',
        maxFiles: this.config.batchMax,
        allowedFields: OPTION_FIELDS,
        maxFileSize: this.storage.maxFileSize,
        onFile: async (part, signal) => {
          const entry: (typeof entries)[number] = {
            filename: part.filename || `file-${part.index + 1}`,
            ingested: true,
          };
          entries[part.index] = entry;
          try {
            entry.media = await this.media.ingest({
              stream: part.stream,
              filename: part.filename,
              accept: ['audio'],
              signal,
            });
          } catch (error) {
            part.stream.resume();
            if (signal.aborted) throw error;
            entry.error = itemError(error);
          }
        },
      });
      raw = fields;
    } else {
      const body = await validated(TranscribeBatchJsonDto, req.body);
      const { items, ...options } = body;
      if (items.length > this.config.batchMax) {
        throw AppException.badRequest(ErrorCode.TOO_MANY_FILES, `At most ${this.config.batchMax} items per batch`, {
          max_files: this.config.batchMax,
        });
      }
      raw = options as Record<string, unknown>;
      await this.transcription.parseOptions(raw);
      for (const [index, item] of items.entries()) {
        const entry: (typeof entries)[number] = { filename: item.filename ?? `item-${index + 1}`, ingested: false };
        entries.push(entry);
        try {
          if ((item.audio_file === undefined) === (item.media_id === undefined)) {
            throw AppException.badRequest(
              ErrorCode.VALIDATION_FAILED,
              'Each item needs exactly one of audio_file or media_id',
            );
          }
          if (item.media_id !== undefined) {
            entry.media = await this.media.get(item.media_id);
            entry.filename = item.filename ?? entry.media.filename;
          } else {
            if (!/^[A-Za-z0-9+/]*={0,2}$/.test(item.audio_file as string)) {
              throw AppException.badRequest(ErrorCode.VALIDATION_FAILED, 'audio_file must be base64');
            }
            entry.media = await this.media.ingestBuffer(Buffer.from(item.audio_file as string, 'base64'), {
              filename: item.filename,
              accept: ['audio'],
            });
            entry.ingested = true;
          }
        } catch (error) {
          entry.error = itemError(error);
        }
      }
    }
    let parsed: Awaited<ReturnType<TranscriptionService['parseOptions']>>;
    try {
      parsed = await this.transcription.parseOptions(raw);
    } catch (error) {
      await Promise.all(
        entries
          .filter((e) => e.ingested && e.media)
          .map((e) => this.media.delete(e.media!.media_id).catch(() => undefined)),
      );
      throw error;
    }
    const items: BatchItem[] = [];
    const jobs: Array<Record<string, unknown>> = [];
    for (const [index, entry] of entries.entries()) {
      let error = entry.error;
      if (!error && entry.media) {
        try {
          const job = await this.transcription.submit({
            media: entry.media,
            options: parsed.options,
            callbackUrl: parsed.callbackUrl,
            batchId,
            ingested: entry.ingested,
          });
          items.push({ index, filename: entry.filename, transcription_id: job.transcription_id });
          jobs.push({ transcription_id: job.transcription_id, filename: entry.filename, status: job.status });
          continue;
        } catch (submitError) {
          if (entry.ingested) await this.media.delete(entry.media.media_id).catch(() => undefined);
          error = itemError(submitError);
        }
      }
      error ??= { code: ErrorCode.INVALID_FILE, message: 'The item could not be read' };
      items.push({ index, filename: entry.filename, error });
      jobs.push({ filename: entry.filename, status: 'rejected', error });
    }
    await this.transcription.saveBatch({ batch_id: batchId, owner: '', created_at: new Date().toISOString(), items });
    res.setHeader('Location', `/api/v1/transcribe/batch/${batchId}`);
    res.status(HttpStatus.ACCEPTED).json({ batch_id: batchId, jobs });
  }

  @Get('batch/:batch_id')
  @ApiOperation({ summary: "Each job's status in a batch, and the counts" })
  @ApiParam({ name: 'batch_id', format: 'uuid' })
  @ApiOkResponse({ type: BatchStatusDto })
  @ApiNotFoundResponse({ description: 'BATCH_NOT_FOUND' })
  async getBatch(@UuidParam('batch_id') batchId: string): Promise<BatchStatusDto> {
    const { batch, jobs } = await this.transcription.getBatch(batchId);
    const counts: Record<string, number> = {
      total: batch.items.length,
      queued: 0,
      in_progress: 0,
      completed: 0,
      failed: 0,
      rejected: 0,
    };
    const entries = batch.items.map((item, index) => {
      const job = jobs[index];
      const status = job ? job.status : 'rejected';
      counts[status] += 1;
      return {
        ...(item.transcription_id ? { transcription_id: item.transcription_id } : {}),
        filename: item.filename,
        status,
        ...(job?.status === 'in_progress' ? { progress: job.progress } : {}),
        ...(job?.error ? { error: job.error } : item.error ? { error: item.error } : {}),
      };
    });
    return { batch_id: batch.batch_id, created_at: batch.created_at, jobs: entries, counts };
  }

  @Get(':job_id')
  @ApiOperation({
    summary: 'Status of a job, and its result when completed',
    description:
      'queued | in_progress (with progress 0..100) | completed (transcript, confidence, words, speakers, ...) | ' +
      'failed (error {code, message}). `?format=srt|vtt|text` renders a completed result as subtitles or text.',
  })
  @ApiParam(ID_PARAM)
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'text', 'srt', 'vtt'] })
  @ApiQuery({ name: 'wait', required: false, type: Number, description: 'Seconds to wait for the job to finish' })
  @ApiOkResponse({ description: 'The job, or its result rendered as `format`', content: jobRenderings() })
  @ApiNotFoundResponse({ description: 'JOB_NOT_FOUND' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: unknown format' })
  async getJob(
    @UuidParam('job_id') jobId: string,
    @Res() res: Response,
    @Query('format') format?: string,
    @Query('wait') wait?: string,
  ): Promise<void> {
    if (format !== undefined && !['json', 'text', 'srt', 'vtt'].includes(format)) {
      throw AppException.badRequest(ErrorCode.VALIDATION_FAILED, 'format must be one of json, text, srt, vtt', {
        fields: { format: ['format must be one of json, text, srt, vtt'] },
      });
    }
    const waitSeconds = this.parseWait(wait);
    const job =
      waitSeconds > 0 ? await this.transcription.waitFor(jobId, waitSeconds) : await this.transcription.get(jobId);
    const wanted = (format ?? 'json') as OutputFormat;
    if (wanted !== 'json' && job.status !== 'completed') {
      throw new AppException(
        ErrorCode.CONFLICT,
        `The job is ${job.status}: ${wanted} is available once it has completed`,
        HttpStatus.CONFLICT,
        { status: job.status },
      );
    }
    this.send(res, job, wanted);
  }

  private send(res: Response, job: TranscriptionJob, format: OutputFormat): void {
    if (format === 'json' || !job.result) {
      res.status(HttpStatus.OK).json(toView(job));
      return;
    }
    const renderer = RENDERERS[format];
    res.status(HttpStatus.OK);
    res.setHeader('Content-Type', renderer.contentType);
    res.setHeader('Content-Disposition', `inline; filename="${job.transcription_id}.${renderer.extension}"`);
    res.send(renderer.render(job.result));
  }

  private parseWait(wait: string | undefined): number {
    if (wait === undefined || wait === '') return 0;
    const seconds = Number(wait);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw AppException.badRequest(ErrorCode.VALIDATION_FAILED, 'wait must be a number of seconds', {
        fields: { wait: [`wait must be 0..${this.config.maxWaitSeconds} seconds`] },
      });
    }
    return Math.min(seconds, this.config.maxWaitSeconds);
  }
}

/** The job as JSON, or a completed result rendered as text or subtitles (strings, not JSON). */
function jobRenderings() {
  return {
    'application/json': { schema: { $ref: getSchemaPath(TranscriptionJobDto) } },
    'text/plain': { schema: { type: 'string', example: "i'm looking for a twenty seven inch monitor" } },
    'text/vtt': {
      schema: { type: 'string', example: "WEBVTT\n\n00:00.150 --> 00:02.820\ni'm looking for a monitor\n" },
    },
    'application/x-subrip': {
      schema: { type: 'string', example: "1\n00:00:00,150 --> 00:00:02,820\ni'm looking for a monitor\n" },
    },
  };
}

function itemError(error: unknown): JobError {
  if (error instanceof AppException) return { code: error.code, message: error.message };
  return { code: ErrorCode.INTERNAL_ERROR, message: 'The item could not be processed' };
}
