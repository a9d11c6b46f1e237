import { Controller, Get, Param, Post, Res, UseFilters } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
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
import type { Response } from 'express';
import { reply } from '../common/http/http-answer';
import { ClientGoneSignal } from '../common/http/request-facts.decorator';
import type { MediaInput } from '../media/upload/media-input';
import { IncomingMedia, MediaUpload } from '../media/upload/media-upload.decorator';
import {
  OpenAiErrorDto,
  OpenAiModelDto,
  OpenAiModelListDto,
  OpenAiTranscriptionDto,
  OpenAiTranscriptionRequestDto,
  OpenAiVerboseTranscriptionDto,
} from './openai.dto';
import { RequireScope } from '../auth/scopes';
import { OpenAiExceptionFilter } from './openai-exception.filter';
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
  @MediaUpload({
    fileField: 'file',
    fileDescription: 'mp3, wav, m4a, flac, ogg or webm',
    accept: ['audio'],
    options: OpenAiTranscriptionRequestDto,
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
  async transcribe(
    @IncomingMedia() input: MediaInput<OpenAiTranscriptionRequestDto>,
    @ClientGoneSignal() clientGone: AbortSignal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OpenAiTranscriptionDto | OpenAiVerboseTranscriptionDto | string> {
    return reply(res, await this.openai.transcribe(input, clientGone));
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
