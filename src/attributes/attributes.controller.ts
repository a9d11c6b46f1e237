import { RequireScope } from '../auth/scopes';
import { Body, Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiMediaInput } from '../docs/api-media-input.decorator';
import { ImageIntake, isMultipart, validateFields } from '../image-analysis/intake/image-intake';
import { AttributeResult, AttributesService, ExtractOptions } from './attributes.service';
import { AttributeResultDto, ExtractAttributesDto, ExtractOptionsDto } from './dto/extract-attributes.dto';

const OPTION_FIELDS = ['max_labels', 'min_confidence'];

@ApiTags('image-analysis')
@ApiExtraModels(ExtractAttributesDto)
@RequireScope('analyze')
@Controller('extract-attributes')
export class AttributesController {
  constructor(
    private readonly attributes: AttributesService,
    private readonly intake: ImageIntake,
  ) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Product attributes from a photo: category, colours, printed specs, brand, search query',
    description:
      'Takes the image like /analyze-image: multipart/form-data (field `file`, options as text fields) or JSON with ' +
      '`image_file` (base64) or `media_id`. Runs the image analysis for labels, objects, text and colours on the ' +
      'configured provider and answers a taxonomy category, the product colours (background left out, measured inside ' +
      'the main object when one is detected), the OCR lines with the attributes parsed from them (sizes with ' +
      'normalised units, resolutions, rates, capacities, materials, clothing sizes, model numbers, brand candidates), ' +
      'the objects, key/value attributes with confidence and source, and one search query. Cached by the image ' +
      'SHA-256 and the options (`cached: true` on a repeat).',
  })
  @ApiMediaInput({
    fileField: 'file',
    fileDescription: 'A JPEG, PNG or WebP image',
    options: ExtractOptionsDto,
    json: ExtractAttributesDto,
  })
  @ApiOkResponse({ type: AttributeResultDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, FILE_MISSING, INVALID_FILE (empty)' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND (media_id)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: over MAX_FILE_SIZE' })
  @ApiUnsupportedMediaTypeResponse({
    description: 'INVALID_FILE_FORMAT (not JPEG, PNG or WebP), or UNSUPPORTED_MEDIA_TYPE',
  })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_FILE: corrupt, truncated, or too many pixels' })
  @ApiServiceUnavailableResponse({ description: 'ENGINE_UNAVAILABLE, PROVIDER_ERROR, STORAGE_UNAVAILABLE' })
  async extract(@Req() req: Request, @Body() body: ExtractAttributesDto): Promise<AttributeResult> {
    if (isMultipart(req)) {
      const { source, fields } = await this.intake.multipartSource(req, OPTION_FIELDS);
      return this.attributes.extract(source, optionsOf(validateFields(ExtractOptionsDto, fields)));
    }
    return this.attributes.extract(await this.intake.jsonSource(body), optionsOf(body));
  }
}

function optionsOf(dto: ExtractOptionsDto): ExtractOptions {
  return { max_labels: dto.max_labels, min_confidence: dto.min_confidence };
}
