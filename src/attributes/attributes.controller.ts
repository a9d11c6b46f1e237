import { RequireScope } from '../auth/scopes';
import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
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
import type { MediaInput } from '../media/upload/media-input';
import { IncomingMedia, MediaUpload } from '../media/upload/media-upload.decorator';
import { AttributeRequests } from './attribute-requests.service';
import type { AttributeResult } from './attributes.service';
import { AttributeResultDto, ExtractAttributesDto, ExtractOptionsDto } from './dto/extract-attributes.dto';

@ApiTags('image-analysis')
@ApiExtraModels(ExtractAttributesDto)
@RequireScope('analyze')
@Controller('extract-attributes')
export class AttributesController {
  constructor(private readonly requests: AttributeRequests) {}

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
  @MediaUpload({
    fileField: 'file',
    fileDescription: 'A JPEG, PNG or WebP image',
    accept: ['image'],
    options: ExtractOptionsDto,
    json: ExtractAttributesDto,
    base64Field: 'image_file',
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
  extract(@IncomingMedia() input: MediaInput<ExtractOptionsDto>): Promise<AttributeResult> {
    return this.requests.extract(input);
  }
}
