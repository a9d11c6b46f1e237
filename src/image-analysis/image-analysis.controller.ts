import { RequireScope } from '../auth/scopes';
import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { UuidParam } from '../common/http/uuid-param';
import type { Request, Response } from 'express';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { readMultipart } from '../common/http/multipart';
import { ApiMediaInput } from '../docs/api-media-input.decorator';
import { imageAnalysisConfig, ImageAnalysisConfig, storageConfig, StorageConfig } from '../config/configuration';
import { AnalysisOptionsDto, AnalyzeBatchDto, AnalyzeImageDto } from './dto/analyze-image.dto';
import { BatchResultDto, ImageAnalysisResultDto } from './dto/image-analysis-result.dto';
import { Incoming, ImageIntake, isMultipart, readAll, validateFields } from './intake/image-intake';
import { BatchResult, BatchWorkItem, ImageAnalysisService, RequestedOptions } from './image-analysis.service';
import type { ImageAnalysisResult } from './image-analysis.types';

const OPTION_FIELDS = ['analysis_types', 'max_labels', 'min_confidence'];
const BATCH_WAIT_QUERY = {
  name: 'wait',
  required: false,
  type: Number,
  description: 'Seconds to wait for the batch to finish before answering',
};
const ANALYSIS_ID_PARAM = {
  name: 'analysis_id',
  format: 'uuid',
  description: 'The id POST /analyze-image answered with',
};

@ApiTags('image-analysis')
@ApiExtraModels(AnalyzeImageDto)
@RequireScope('analyze')
@Controller('analyze-image')
export class ImageAnalysisController {
  constructor(
    private readonly analyses: ImageAnalysisService,
    private readonly intake: ImageIntake,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    @Inject(imageAnalysisConfig.KEY) private readonly config: ImageAnalysisConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Analyse one image: labels, objects, text, faces, moderation, colours',
    description:
      'Send the image as multipart/form-data (field `file`, options as text fields; `analysis_types` comma-separated), ' +
      'or as JSON with `image_file` (base64) or `media_id` (a stored image). The image is stored through the media ' +
      'store, decoded once (EXIF orientation honoured) and only the asked types are computed. A repeat of the same ' +
      'bytes with the same options answers from the cache (`cached: true`). Boxes are fractions of the image; ' +
      'confidences 0..1.',
  })
  @ApiMediaInput({
    fileField: 'file',
    fileDescription: 'A JPEG, PNG or WebP image',
    options: AnalysisOptionsDto,
    json: AnalyzeImageDto,
  })
  @ApiOkResponse({ type: ImageAnalysisResultDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, FILE_MISSING, INVALID_FILE (empty)' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND (media_id)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: over MAX_FILE_SIZE' })
  @ApiUnsupportedMediaTypeResponse({
    description: 'INVALID_FILE_FORMAT (not JPEG, PNG or WebP), or UNSUPPORTED_MEDIA_TYPE',
  })
  @ApiUnprocessableEntityResponse({
    description: 'INVALID_FILE: corrupt, truncated, or more pixels than MAX_IMAGE_PIXELS',
  })
  async analyze(@Req() req: Request, @Body() body: AnalyzeImageDto): Promise<ImageAnalysisResult> {
    if (isMultipart(req)) {
      const { source, fields } = await this.intake.multipartSource(req, OPTION_FIELDS);
      return this.analyses.analyze(source, parseOptionFields(fields));
    }
    return this.analyses.analyze(await this.intake.jsonSource(body), optionsOf(body));
  }

  @Post('batch')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Analyse several images; each gets its result or its own error',
    description:
      'multipart/form-data with the images in the field `files` (options as text fields), or JSON ' +
      '`{items: [{image_file | media_id, ...options}], ...options}`. At most IMAGE_BATCH_MAX_ITEMS images, ' +
      'IMAGE_BATCH_CONCURRENCY analysed at once; answers when all are done. The batch is kept: ' +
      'GET /analyze-image/batch/{batch_id}. In JSON the whole body is bounded by the JSON body limit: use ' +
      'multipart or media_id for large batches.',
  })
  @ApiMediaInput({
    fileField: 'files',
    fileDescription: 'JPEG, PNG or WebP images',
    options: AnalysisOptionsDto,
    json: AnalyzeBatchDto,
  })
  @ApiQuery(BATCH_WAIT_QUERY)
  @ApiOkResponse({ type: BatchResultDto })
  @ApiResponse({ status: 202, type: BatchResultDto, description: 'Not finished within ?wait: follow Location' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (no items, too many), FILE_MISSING, TOO_MANY_FILES' })
  async batch(
    @Req() req: Request,
    @Body() body: AnalyzeBatchDto,
    @Res({ passthrough: true }) res: Response,
    @Query('wait') wait?: string,
  ): Promise<BatchResult> {
    // Not finished within ?wait (default 60 s): 202 and where to follow it.
    const accepted = (batch: BatchResult) => {
      if (batch.status === 'in_progress')
        res.status(HttpStatus.ACCEPTED).setHeader('Location', `/api/v1/analyze-image/batch/${batch.batch_id}`);
      return batch;
    };
    const waitSeconds = wait === undefined ? undefined : waitParam(wait);
    const max = this.config.batchMaxItems;
    if (isMultipart(req)) {
      // A file that fails intake (wrong type, corrupt) becomes that item's error, not the batch's.
      const { fields, files } = await readMultipart<Incoming>(req, {
        fileField: 'files',
        maxFiles: max,
        maxFileSize: this.storage.maxFileSize,
        allowedFields: OPTION_FIELDS,
        onFile: async (part) => ({ bytes: await readAll(part.stream), filename: part.filename }),
      });
      const options = parseOptionFields(fields);
      const items = files.map((file) => ({
        filename: file.filename,
        options,
        source: () => Promise.resolve(this.intake.incomingSource(file)),
      }));
      return accepted(await this.analyses.analyzeBatch(items, waitSeconds));
    }
    if (!body.items || body.items.length > max) {
      throw new AppException(ErrorCode.VALIDATION_FAILED, `A batch holds 1 to ${max} items`, HttpStatus.BAD_REQUEST, {
        fields: { items: [`must hold 1 to ${max} items`] },
        max_items: max,
      });
    }
    const shared = optionsOf(body);
    const work: BatchWorkItem[] = body.items.map((item) => ({
      filename: item.filename,
      options: { ...shared, ...definedOnly(optionsOf(item)) },
      source: () => this.intake.jsonSource(item),
    }));
    return accepted(await this.analyses.analyzeBatch(work, waitSeconds));
  }

  @Get('batch/:batch_id')
  @ApiOperation({ summary: 'A batch analysed earlier, with every item' })
  @ApiParam({ name: 'batch_id', format: 'uuid' })
  @ApiQuery(BATCH_WAIT_QUERY)
  @ApiOkResponse({ type: BatchResultDto })
  @ApiNotFoundResponse({ description: 'BATCH_NOT_FOUND' })
  getBatch(@UuidParam('batch_id') batchId: string, @Query('wait') wait?: string): Promise<BatchResult> {
    return this.analyses.getBatch(batchId, wait === undefined ? 0 : waitParam(wait));
  }

  @Get(':analysis_id')
  @ApiOperation({ summary: 'A stored analysis result' })
  @ApiParam(ANALYSIS_ID_PARAM)
  @ApiOkResponse({ type: ImageAnalysisResultDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: not a UUID' })
  @ApiNotFoundResponse({ description: 'ANALYSIS_NOT_FOUND' })
  get(@UuidParam('analysis_id') analysisId: string): Promise<ImageAnalysisResult> {
    return this.analyses.get(analysisId);
  }

  @Get(':analysis_id/annotated')
  @ApiOperation({
    summary: 'The analysed image with its boxes and names drawn on it',
    description:
      'Objects green, faces orange, text lines blue; PNG for a PNG image, JPEG otherwise; at most 1600 px a side.',
  })
  @ApiParam(ANALYSIS_ID_PARAM)
  @ApiProduces('image/png', 'image/jpeg')
  @ApiOkResponse({ description: 'The annotated image', content: { 'image/png': {}, 'image/jpeg': {} } })
  @ApiNotFoundResponse({ description: 'ANALYSIS_NOT_FOUND, or MEDIA_NOT_FOUND when the image was deleted since' })
  async annotated(@UuidParam('analysis_id') analysisId: string, @Res() res: Response): Promise<void> {
    const { body, contentType } = await this.analyses.annotate(analysisId, async (record) => {
      if (!record.media_id) {
        throw AppException.notFound(ErrorCode.MEDIA_NOT_FOUND, 'The analysed image is not stored', {});
      }
      return this.intake.storedBytes(record.media_id);
    });
    res.status(200).type(contentType).setHeader('Cache-Control', 'private, max-age=300');
    res.send(body);
  }
}

function optionsOf(dto: AnalysisOptionsDto): RequestedOptions {
  return { analysis_types: dto.analysis_types, max_labels: dto.max_labels, min_confidence: dto.min_confidence };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Multipart text fields through the same DTO rules as JSON. */
function parseOptionFields(fields: Record<string, string>): RequestedOptions {
  return optionsOf(validateFields(AnalysisOptionsDto, fields));
}

/** ?wait=N: whole seconds from 0 to 600. */
function waitParam(raw: string): number {
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds > 600) {
    throw new AppException(
      ErrorCode.VALIDATION_FAILED,
      'wait must be whole seconds from 0 to 600',
      HttpStatus.BAD_REQUEST,
      {
        fields: { wait: ['must be an integer from 0 to 600'] },
      },
    );
  }
  return seconds;
}
