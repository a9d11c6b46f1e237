import { Controller, Get, HttpStatus, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  ApiExtraModels,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  OpenAiErrorDto,
  OpenAiModelDto,
  OpenAiModelListDto,
  OpenAiTranscriptionDto,
  OpenAiVerboseTranscriptionDto,
} from './openai.dto';
import { RequireScope } from '../auth/scopes';
import { OpenAiExceptionFilter } from './openai-exception.filter';
import { RESPONSE_FORMATS, TIMESTAMP_GRANULARITIES } from './openai-response';
import { OpenAiTranscriptionService, WHISPER_ALIAS } from './openai-transcription.service';

/**
 * OpenAI's audio API where OpenAI clients look for it (/v1, outside /api/v1), and under
 * /api/v1/openai/v1 for proxies that forward only /api/v1. Errors in OpenAI's shape.
 */
@ApiTags('openai')
@ApiExtraModels(OpenAiTranscriptionDto, OpenAiVerboseTranscriptionDto)
@UseFilters(OpenAiExceptionFilter)
@RequireScope('transcribe')
@Controller(['v1', 'api/v1/openai/v1'])
export class OpenAiController {
  constructor(private readonly openai: OpenAiTranscriptionService) {}

  @Post('audio/transcriptions')
  @ApiOperation({
    summary: 'OpenAI-compatible transcription (synchronous)',
    description:
      'The request and answers of OpenAI’s `POST /v1/audio/transcriptions`, run through the same validation, job ' +
      `queue and cache as POST /api/v1/transcribe. \`${WHISPER_ALIAS}\` means the configured provider. Audio longer ` +
      'than OPENAI_MAX_DURATION is refused with 413: use the asynchronous API for it. `prompt` is accepted and ' +
      'ignored with a warning (X-Transcription-Warnings, and `warnings` in verbose_json); `temperature` is ignored. ' +
      'The job id is in X-Transcription-Id; the audio is not kept.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file', 'model'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'mp3, wav, m4a, flac, ogg or webm' },
        model: { type: 'string', example: WHISPER_ALIAS, description: 'An id from GET /v1/models' },
        language: { type: 'string', example: 'en', description: 'ISO-639-1' },
        prompt: { type: 'string' },
        response_format: { type: 'string', enum: [...RESPONSE_FORMATS], default: 'json' },
        'timestamp_granularities[]': {
          type: 'array',
          items: { type: 'string', enum: [...TIMESTAMP_GRANULARITIES] },
          description: 'With verbose_json; default segment',
        },
        temperature: { type: 'number', minimum: 0, maximum: 1, description: 'Accepted, ignored' },
      },
    },
  })
  @ApiOkResponse({
    description: 'json: {text}; verbose_json: task, language, duration, text, segments, words; text/srt/vtt as text',
    content: {
      'application/json': {
        // anyOf: a verbose answer is also a valid {text} answer, so oneOf would refuse it.
        schema: {
          anyOf: [
            { $ref: getSchemaPath(OpenAiTranscriptionDto) },
            { $ref: getSchemaPath(OpenAiVerboseTranscriptionDto) },
          ],
        },
      },
      'text/plain': { schema: { type: 'string' } },
      'application/x-subrip': { schema: { type: 'string' } },
      'text/vtt': { schema: { type: 'string' } },
    },
  })
  @ApiBadRequestResponse({ type: OpenAiErrorDto, description: 'Unknown model, bad response_format, language, ...' })
  @ApiPayloadTooLargeResponse({
    type: OpenAiErrorDto,
    description: 'Over MAX_FILE_SIZE, or longer than OPENAI_MAX_DURATION',
  })
  @ApiUnsupportedMediaTypeResponse({ type: OpenAiErrorDto, description: 'Not audio (decided from the bytes)' })
  @ApiUnprocessableEntityResponse({ type: OpenAiErrorDto, description: 'Unreadable, truncated, too short' })
  @ApiBadGatewayResponse({ type: OpenAiErrorDto, description: 'The provider failed' })
  @ApiServiceUnavailableResponse({ type: OpenAiErrorDto, description: 'The engine is not installed or configured' })
  async transcribe(@Req() req: Request, @Res() res: Response): Promise<void> {
    const controller = new AbortController();
    res.once('close', () => !res.writableFinished && controller.abort());
    const { rendered, job } = await this.openai.transcribe(req, controller.signal);
    res.setHeader('X-Transcription-Id', job.transcription_id);
    const warnings = job.result?.warnings ?? [];
    // Header values are printable ASCII: anything else becomes '?'.
    if (warnings.length) res.setHeader('X-Transcription-Warnings', warnings.join('; ').replace(/[^\x20-\x7e]/g, '?'));
    res.status(HttpStatus.OK).type(rendered.contentType);
    if (typeof rendered.body === 'string') res.send(rendered.body);
    else res.json(rendered.body);
  }

  @Get('models')
  @ApiOperation({ summary: 'OpenAI-compatible model list: the configured provider and its whisper-1 alias' })
  @ApiOkResponse({ type: OpenAiModelListDto })
  listModels(): OpenAiModelListDto {
    return { object: 'list', data: this.openai.models() };
  }

  @Get('models/:model')
  @ApiOperation({ summary: 'One model of the list' })
  @ApiParam({ name: 'model', example: WHISPER_ALIAS })
  @ApiOkResponse({ type: OpenAiModelDto })
  @ApiNotFoundResponse({ type: OpenAiErrorDto })
  getModel(@Param('model') model: string): OpenAiModelDto {
    return this.openai.model(model);
  }
}
