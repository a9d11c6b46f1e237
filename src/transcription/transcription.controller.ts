import { RequireScope } from '../auth/scopes';
import { Controller, Get, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
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
import type { Response } from 'express';
import { reply } from '../common/http/http-answer';
import { OneOfPipe, WaitQuery } from '../common/http/query-params';
import { UuidParam } from '../common/http/uuid-param';
import { ApiBatchBodyErrors, ApiStoredBatch, locationHeader } from '../docs/api-operations.decorator';
import { JOB_ACCEPTED_EXAMPLES, TRANSCRIPTION_JOB_EXAMPLES } from '../docs/examples';
import type { MediaBatchInput, MediaInput } from '../media/upload/media-input';
import { IncomingMedia, MediaUpload } from '../media/upload/media-upload.decorator';
import {
  BatchAcceptedDto,
  BatchStatusDto,
  JobAcceptedDto,
  TranscribeBatchJsonDto,
  TranscribeJsonDto,
  TranscriptionJobDto,
  TranscriptionOptionsDto,
} from './dto/transcription.dto';
import { TranscriptionRequests } from './transcription-requests.service';
import { OUTPUT_FORMATS, OutputFormat } from './transcription.types';

const ID_PARAM = { name: 'job_id', format: 'uuid', description: 'transcription_id from POST /transcribe' };
const WAIT_QUERY = { name: 'wait', required: false, type: Number, description: 'Seconds to wait for the result' };

@ApiTags('transcription')
@ApiExtraModels(TranscribeJsonDto, TranscribeBatchJsonDto, TranscriptionJobDto)
@RequireScope('transcribe')
@Controller('transcribe')
export class TranscriptionController {
  constructor(private readonly requests: TranscriptionRequests) {}

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
  @MediaUpload({
    fileField: 'file',
    fileDescription: 'An audio file: mp3, wav, m4a, flac, ogg or webm',
    accept: ['audio'],
    options: TranscriptionOptionsDto,
    json: TranscribeJsonDto,
    base64Field: 'audio_file',
  })
  @ApiQuery(WAIT_QUERY)
  @ApiAcceptedResponse({
    type: JobAcceptedDto,
    description: 'Queued (or still running after wait)',
    examples: JOB_ACCEPTED_EXAMPLES,
    headers: locationHeader('The job: GET it for status and result'),
  })
  @ApiOkResponse({
    description: 'Finished within wait, or cached: the job, rendered as output_format',
    content: jobRenderings(),
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, FILE_MISSING, UNEXPECTED_FIELD' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND (media_id)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT: not audio; UNSUPPORTED_MEDIA_TYPE' })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_FILE: unreadable, truncated, too short or too long' })
  @ApiServiceUnavailableResponse({ description: 'ENGINE_UNAVAILABLE: names the packages to install' })
  async submit(
    @IncomingMedia() input: MediaInput<TranscriptionOptionsDto>,
    @WaitQuery() wait: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobAcceptedDto | TranscriptionJobDto | string> {
    return reply(res, await this.requests.submit(input, wait));
  }

  @Post('batch')
  @ApiOperation({
    summary: 'Start one job per file',
    description:
      'multipart `files` (up to TRANSCRIBE_BATCH_MAX, plus option fields for all), or JSON {items:[{audio_file | ' +
      'media_id, filename}], ...options}. A bad item is reported in its own entry (status `rejected`, error) and does ' +
      'not sink the batch.',
  })
  @MediaUpload({
    fileField: 'files',
    fileDescription: 'Audio files: mp3, wav, m4a, flac, ogg or webm',
    accept: ['audio'],
    options: TranscriptionOptionsDto,
    json: TranscribeBatchJsonDto,
    base64Field: 'audio_file',
    maxItemsConfig: 'transcription.batchMax',
  })
  @ApiAcceptedResponse({
    type: BatchAcceptedDto,
    headers: locationHeader('The batch: GET it for each job'),
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, TOO_MANY_FILES, FILE_MISSING' })
  @ApiBatchBodyErrors('its own entry')
  @ApiServiceUnavailableResponse({ description: 'ENGINE_UNAVAILABLE' })
  async submitBatch(
    @IncomingMedia() input: MediaBatchInput<TranscriptionOptionsDto>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BatchAcceptedDto> {
    return reply(res, await this.requests.submitBatch(input));
  }

  @Get('batch/:batch_id')
  @ApiStoredBatch({ summary: "Each job's status in a batch, and the counts", type: BatchStatusDto })
  getBatch(@UuidParam('batch_id') batchId: string): Promise<BatchStatusDto> {
    return this.requests.batch(batchId);
  }

  @Get(':job_id')
  @ApiOperation({
    summary: 'Status of a job, and its result when completed',
    description:
      'queued | in_progress (with progress 0..100) | completed (transcript, confidence, words, speakers, ...) | ' +
      'failed (error {code, message}). `?format=srt|vtt|text` renders a completed result as subtitles or text.',
  })
  @ApiParam(ID_PARAM)
  @ApiQuery({ name: 'format', required: false, enum: OUTPUT_FORMATS })
  @ApiQuery({ ...WAIT_QUERY, description: 'Seconds to wait for the job to finish' })
  @ApiOkResponse({ description: 'The job, or its result rendered as `format`', content: jobRenderings() })
  @ApiNotFoundResponse({ description: 'JOB_NOT_FOUND' })
  @ApiConflictResponse({ description: 'CONFLICT: a text rendering of a job not completed yet' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: unknown format, bad wait' })
  async getJob(
    @UuidParam('job_id') jobId: string,
    @Query('format', new OneOfPipe(OUTPUT_FORMATS)) format: OutputFormat | undefined,
    @WaitQuery() wait: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TranscriptionJobDto | string> {
    return reply(res, await this.requests.job(jobId, format, wait));
  }
}

/** The job as JSON, or a completed result rendered as text or subtitles (strings, not JSON). */
function jobRenderings() {
  return {
    'application/json': { schema: { $ref: getSchemaPath(TranscriptionJobDto) }, examples: TRANSCRIPTION_JOB_EXAMPLES },
    'text/plain': { schema: { type: 'string', example: "i'm looking for a twenty seven inch monitor" } },
    'text/vtt': {
      schema: { type: 'string', example: "WEBVTT\n\n00:00.150 --> 00:02.820\ni'm looking for a monitor\n" },
    },
    'application/x-subrip': {
      schema: { type: 'string', example: "1\n00:00:00,150 --> 00:00:02,820\ni'm looking for a monitor\n" },
    },
  };
}
