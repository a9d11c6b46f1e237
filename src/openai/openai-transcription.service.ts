import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { openAiConfig, OpenAiConfig, transcriptionConfig, TranscriptionConfig } from '../config/configuration';
import type { MediaRecord } from '../media/media-record';
import type { MediaInput } from '../media/upload/media-input';
import { MediaService } from '../media/media.service';
import { TranscriptionService } from '../transcription/transcription.service';
import type { TranscriptionJob } from '../transcription/transcription.types';
import { languageCodeOf, SUPPORTED_ISO_LANGUAGES } from './openai-language';
import type {
  OpenAiTranscriptionDto,
  OpenAiTranscriptionRequestDto,
  OpenAiVerboseTranscriptionDto,
} from './openai.dto';
import type { HttpAnswer } from '../common/http/http-answer';
import { render, ResponseFormat, TimestampGranularity } from './openai-response';

/** The alias OpenAI clients send by default; it means "the configured provider". */
export const WHISPER_ALIAS = 'whisper-1';
const MODEL_BY_PROVIDER: Record<string, string> = { local: 'pocketsphinx-en-us', aws: 'aws-transcribe' };
/** When the models were "created" (OpenAI's field): the first release of this API. */
const MODELS_CREATED = Math.floor(Date.parse('2026-12-01T00:00:00Z') / 1000);

export interface OpenAiModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** The answer: the rendering in its content type, the job id and any warnings as headers. */
export type OpenAiAnswer = HttpAnswer<OpenAiTranscriptionDto | OpenAiVerboseTranscriptionDto | string>;

const invalid = (field: string, message: string, code = ErrorCode.VALIDATION_FAILED) =>
  AppException.badRequest(code, message, { fields: { [field]: [message] } });

/**
 * OpenAI's POST /v1/audio/transcriptions as a front door to the transcription jobs: the file goes
 * through MediaService.ingest (same limits and checks as /upload), the job through
 * TranscriptionService (same validation, queue and cache as /api/v1/transcribe); this class only
 * translates the request, waits for the job and renders the answer the way OpenAI does.
 */
@Injectable()
export class OpenAiTranscriptionService {
  private readonly logger = new Logger(OpenAiTranscriptionService.name);

  constructor(
    private readonly transcription: TranscriptionService,
    private readonly media: MediaService,
    @Inject(transcriptionConfig.KEY) private readonly transcriptionSettings: TranscriptionConfig,
    @Inject(openAiConfig.KEY) private readonly config: OpenAiConfig,
  ) {}

  models(): OpenAiModel[] {
    const own = MODEL_BY_PROVIDER[this.transcription.providerName] ?? this.transcription.providerName;
    return [own, WHISPER_ALIAS].map((id) => ({
      id,
      object: 'model',
      created: MODELS_CREATED,
      owned_by: 'media-service',
    }));
  }

  model(id: string): OpenAiModel {
    const model = this.models().find((candidate) => candidate.id === id);
    if (!model) {
      throw AppException.notFound(ErrorCode.NOT_FOUND, `The model '${id}' does not exist`, {
        fields: { model: ['unknown model'] },
        models: this.models().map((m) => m.id),
      });
    }
    return model;
  }

  /**
   * Runs the job of the audio the intake stored to its end and renders it; the audio is not kept.
   * The fields were validated by the intake (OpenAiTranscriptionRequestDto); here what depends on
   * the configuration: the model ids and the languages the provider takes.
   */
  async transcribe(
    { media, options: fields }: MediaInput<OpenAiTranscriptionRequestDto>,
    signal: AbortSignal,
  ): Promise<OpenAiAnswer> {
    let job: TranscriptionJob | undefined;
    try {
      await this.transcription.assertAvailable();
      const request = this.interpret(fields);
      this.assertSynchronousDuration(media);
      const { options } = await this.transcription.parseOptions({
        ...(request.languageCode ? { language_code: request.languageCode } : {}),
        // One rendering of the cached result serves every response_format.
        output_format: 'json',
      });
      job = await this.transcription.submit({ media, options });
      job = await this.waitUntilFinished(job, signal);
      if (job.status === 'failed') throw jobFailure(job);
      if (!job.result) throw new AppException(ErrorCode.INTERNAL_ERROR, 'The job has no result', 500);
      const warnings = [...(job.result.warnings ?? []), ...request.warnings];
      const rendered = render(job.result, request.format, request.granularities, warnings);
      return {
        status: HttpStatus.OK,
        headers: {
          'Content-Type': rendered.contentType,
          'X-Transcription-Id': job.transcription_id,
          // Header values are printable ASCII: anything else becomes '?'.
          ...(warnings.length ? { 'X-Transcription-Warnings': warnings.join('; ').replace(/[^\x20-\x7e]/g, '?') } : {}),
        },
        body: rendered.body as OpenAiTranscriptionDto | OpenAiVerboseTranscriptionDto | string,
      };
    } finally {
      // OpenAI keeps nothing: the audio goes once its job has finished (or was never created).
      if (!job || job.status === 'completed' || job.status === 'failed') {
        await this.media
          .delete(media.media_id)
          .catch((error: unknown) => this.logger.warn({ err: error, mediaId: media.media_id }, 'audio not deleted'));
      }
    }
  }

  private interpret(fields: OpenAiTranscriptionRequestDto): {
    format: ResponseFormat;
    granularities: TimestampGranularity[];
    languageCode?: string;
    warnings: string[];
  } {
    const warnings: string[] = [];
    if (!this.models().some((candidate) => candidate.id === fields.model)) {
      throw invalid(
        'model',
        `The model '${fields.model}' does not exist; use ${this.models()
          .map((m) => m.id)
          .join(' or ')}`,
      );
    }
    const format = fields.response_format ?? 'json';
    const granularities = [...(fields['timestamp_granularities[]'] ?? []), ...(fields.timestamp_granularities ?? [])];
    if (granularities.length && format !== 'verbose_json') {
      warnings.push('timestamp_granularities: only verbose_json carries timestamps');
    }
    if (fields.prompt) {
      // Neither provider takes free text: AWS custom vocabularies are named resources, not prompts.
      warnings.push(`prompt: the ${this.transcription.providerName} provider takes no prompt; it was ignored`);
    }
    let languageCode: string | undefined;
    if (fields.language) {
      languageCode = languageCodeOf(fields.language, this.transcriptionSettings.languageCode);
      if (!languageCode) {
        throw invalid(
          'language',
          `language must be an ISO-639-1 code such as en; known: ${SUPPORTED_ISO_LANGUAGES.join(', ')}`,
        );
      }
    }
    return { format, granularities, languageCode, warnings };
  }

  /** Longer audio is refused up front: it belongs on the asynchronous API. */
  private assertSynchronousDuration(media: MediaRecord): void {
    const max = this.config.maxDurationSeconds;
    if (typeof media.duration === 'number' && media.duration > max) {
      throw new AppException(
        ErrorCode.FILE_TOO_LARGE,
        `The audio is ${media.duration} s long; this synchronous endpoint takes up to ${max} s. ` +
          'Submit longer audio to POST /api/v1/transcribe (asynchronous jobs) instead.',
        HttpStatus.PAYLOAD_TOO_LARGE,
        {
          fields: { file: ['audio too long'] },
          duration: media.duration,
          max_duration: max,
          async_endpoint: '/api/v1/transcribe',
        },
      );
    }
  }

  /**
   * TranscriptionService.waitFor is bounded by TRANSCRIBE_MAX_WAIT; a synchronous caller waits
   * until the job ends (at most TRANSCRIBE_JOB_TIMEOUT) or goes away, so wait in rounds.
   */
  private async waitUntilFinished(job: TranscriptionJob, signal: AbortSignal): Promise<TranscriptionJob> {
    const deadline = Date.now() + this.transcriptionSettings.jobTimeoutSeconds * 1000;
    let current = job;
    while (current.status !== 'completed' && current.status !== 'failed') {
      if (signal.aborted) throw AppException.badRequest(ErrorCode.BAD_REQUEST, 'The client went away');
      const remaining = (deadline - Date.now()) / 1000;
      if (remaining <= 0) {
        throw new AppException(
          ErrorCode.TIMEOUT,
          `The transcription did not finish in time; follow it at GET /api/v1/transcribe/${job.transcription_id}`,
          HttpStatus.GATEWAY_TIMEOUT,
          { transcription_id: job.transcription_id },
        );
      }
      const started = Date.now();
      current = await this.transcription.waitFor(job.transcription_id, remaining);
      // TRANSCRIBE_MAX_WAIT=0 makes waitFor return at once: poll instead of spinning.
      if (Date.now() - started < 50) await sleep(250);
    }
    return current;
  }
}

/** A failed job as an HTTP error: the caller's file (422), time (504) or the provider (502/503). */
function jobFailure(job: TranscriptionJob): AppException {
  const error = job.error ?? { code: ErrorCode.PROVIDER_ERROR, message: 'The transcription failed' };
  const status =
    error.code === 'DECODE_FAILED' || error.code === 'NO_AUDIO'
      ? HttpStatus.UNPROCESSABLE_ENTITY
      : error.code === 'TIMEOUT'
        ? HttpStatus.GATEWAY_TIMEOUT
        : error.code === 'ENGINE_UNAVAILABLE'
          ? HttpStatus.SERVICE_UNAVAILABLE
          : HttpStatus.BAD_GATEWAY;
  return new AppException(error.code as ErrorCode, error.message, status, { transcription_id: job.transcription_id });
}
