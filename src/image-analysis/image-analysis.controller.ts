import { RequireScope } from '../auth/scopes';
import { Controller, Get, HttpCode, HttpStatus, Post, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { reply } from '../common/http/http-answer';
import { WaitQuery } from '../common/http/query-params';
import { UuidParam } from '../common/http/uuid-param';
import { ApiBatchBodyErrors, ApiStoredBatch, ApiStoredRecord, locationHeader } from '../docs/api-operations.decorator';
import { IMAGE_ANALYSIS_EXAMPLES } from '../docs/examples';
import type { MediaBatchInput, MediaInput } from '../media/upload/media-input';
import { IncomingMedia, MediaUpload } from '../media/upload/media-upload.decorator';
import { AnalysisOptionsDto, AnalyzeBatchDto, AnalyzeImageDto } from './dto/analyze-image.dto';
import { BatchResultDto, ImageAnalysisResultDto } from './dto/image-analysis-result.dto';
import { ImageAnalysisRequests } from './image-analysis-requests.service';
import { BatchResult, DEFAULT_BATCH_WAIT_SECONDS, ImageAnalysisService } from './image-analysis.service';
import type { ImageAnalysisResult } from './image-analysis.types';

const ANALYSIS_ID_PARAM = {
  name: 'analysis_id',
  format: 'uuid',
  description: 'The id POST /analyze-image answered with',
};
/** The longest ?wait on batches. */
const MAX_BATCH_WAIT = 600;
const WAIT_QUERY = {
  name: 'wait',
  required: false,
  type: Number,
  description: `Seconds to wait (at most ${MAX_BATCH_WAIT})`,
};

@ApiTags('image-analysis')
@ApiExtraModels(AnalyzeImageDto)
@RequireScope('analyze')
@Controller('analyze-image')
export class ImageAnalysisController {
  constructor(
    private readonly requests: ImageAnalysisRequests,
    private readonly analyses: ImageAnalysisService,
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
  @MediaUpload({
    fileField: 'file',
    fileDescription: 'A JPEG, PNG or WebP image',
    accept: ['image'],
    options: AnalysisOptionsDto,
    json: AnalyzeImageDto,
    base64Field: 'image_file',
  })
  @ApiOkResponse({ type: ImageAnalysisResultDto, examples: IMAGE_ANALYSIS_EXAMPLES })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, FILE_MISSING, INVALID_FILE (empty)' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND (media_id)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: over MAX_FILE_SIZE' })
  @ApiUnsupportedMediaTypeResponse({
    description: 'INVALID_FILE_FORMAT (not JPEG, PNG or WebP), or UNSUPPORTED_MEDIA_TYPE',
  })
  @ApiUnprocessableEntityResponse({
    description: 'INVALID_FILE: corrupt, truncated, or more pixels than MAX_IMAGE_PIXELS',
  })
  analyze(@IncomingMedia() input: MediaInput<AnalysisOptionsDto>): Promise<ImageAnalysisResult> {
    return this.requests.analyze(input);
  }

  @Post('batch')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Analyse several images; each gets its result or its own error',
    description:
      'multipart/form-data with the images in the field `files` (options as text fields), or JSON ' +
      '`{items: [{image_file | media_id, ...options}], ...options}`. At most IMAGE_BATCH_MAX_ITEMS images, ' +
      'IMAGE_BATCH_CONCURRENCY analysed at once; answers when all are done, or after `wait` seconds (default ' +
      `${DEFAULT_BATCH_WAIT_SECONDS}) with 202 and a Location to follow. The batch is kept: ` +
      'GET /analyze-image/batch/{batch_id}. In JSON the whole body is bounded by the JSON body limit: use ' +
      'multipart or media_id for large batches.',
  })
  @MediaUpload({
    fileField: 'files',
    fileDescription: 'JPEG, PNG or WebP images',
    accept: ['image'],
    options: AnalysisOptionsDto,
    json: AnalyzeBatchDto,
    base64Field: 'image_file',
    maxItemsConfig: 'imageAnalysis.batchMaxItems',
  })
  @ApiQuery(WAIT_QUERY)
  @ApiOkResponse({ type: BatchResultDto })
  @ApiAcceptedResponse({
    type: BatchResultDto,
    description: 'Still running after wait',
    headers: locationHeader('The batch: GET it (with ?wait) to follow'),
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (no items), FILE_MISSING, TOO_MANY_FILES' })
  @ApiBatchBodyErrors('its own item')
  async batch(
    @IncomingMedia() input: MediaBatchInput<AnalysisOptionsDto>,
    @WaitQuery({ max: MAX_BATCH_WAIT, absent: DEFAULT_BATCH_WAIT_SECONDS }) wait: number,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BatchResult> {
    return reply(res, await this.requests.analyzeBatch(input, wait));
  }

  @Get('batch/:batch_id')
  @ApiStoredBatch({ summary: 'A batch analysed earlier, with every item', type: BatchResultDto, wait: WAIT_QUERY })
  getBatch(
    @UuidParam('batch_id') batchId: string,
    @WaitQuery({ max: MAX_BATCH_WAIT }) wait: number,
  ): Promise<BatchResult> {
    return this.analyses.getBatch(batchId, wait);
  }

  @Get(':analysis_id')
  @ApiStoredRecord({
    summary: 'A stored analysis result',
    param: ANALYSIS_ID_PARAM,
    type: ImageAnalysisResultDto,
    examples: IMAGE_ANALYSIS_EXAMPLES,
    notFound: 'ANALYSIS_NOT_FOUND',
  })
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
  @ApiOkResponse({
    description: 'The annotated image',
    content: {
      'image/png': { schema: { type: 'string', format: 'binary' } },
      'image/jpeg': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiNotFoundResponse({ description: 'ANALYSIS_NOT_FOUND, or MEDIA_NOT_FOUND when the image was deleted since' })
  async annotated(
    @UuidParam('analysis_id') analysisId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const image = await this.requests.annotated(analysisId);
    res.setHeader('Cache-Control', 'private, max-age=300');
    return new StreamableFile(image.body, { type: image.contentType });
  }
}
