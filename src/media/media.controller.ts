import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { PublicRoute, RequireScope } from '../auth/scopes';
import { sendDocument } from '../common/http/http-answer';
import { IsHeadRequest, RawBody, RawRequestBody, RequestOrigin } from '../common/http/request-facts.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { appConfig, AppConfig } from '../config/configuration';
import { ApiStoredRecord } from '../docs/api-operations.decorator';
import { MEDIA_RECORD_EXAMPLES } from '../docs/examples';
import { MediaRecordDto, PresignedUploadDto, PresignUploadDto, UploadReceivedDto } from './dto/media.dto';
import { MediaDownloads } from './media-download.service';
import { MediaRecord } from './media-record';
import { MediaService } from './media.service';
import { PresignedUploadService } from './presigned-upload.service';
import type { MediaInput } from './upload/media-input';
import { IncomingMedia, MediaUpload } from './upload/media-upload.decorator';

const MEDIA_ID_PARAM = { name: 'media_id', format: 'uuid', description: 'The id /upload answered with' };
const BYTES = { schema: { type: 'string', format: 'binary' } };
const RANGE_CONTENT = { 'audio/*': BYTES, 'image/*': BYTES };
/** Express writes a short text body with every redirect. */
const REDIRECT_CONTENT = { 'text/plain': { schema: { type: 'string' } } };

@ApiTags('media')
@RequireScope('media:write')
@Controller()
export class MediaController {
  constructor(
    private readonly media: MediaService,
    private readonly presigned: PresignedUploadService,
    private readonly downloads: MediaDownloads,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  @Post('upload')
  @ApiOperation({
    summary: 'Upload one audio or image file',
    description:
      'Streams the file to storage while reading it. The format is decided from the bytes; images are probed with ' +
      'sharp and audio with music-metadata. Nothing is stored unless every check passes.',
  })
  @MediaUpload({ fileField: 'file', fileDescription: 'One audio or image file' })
  @ApiCreatedResponse({ type: MediaRecordDto, examples: MEDIA_RECORD_EXAMPLES })
  @ApiBadRequestResponse({ description: 'FILE_MISSING, TOO_MANY_FILES, UNEXPECTED_FIELD, INVALID_FILE (empty)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: over MAX_FILE_SIZE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT, with received_format and supported_formats' })
  @ApiUnprocessableEntityResponse({
    description: 'INVALID_FILE: claims a format but does not parse, or too many pixels',
  })
  @ApiServiceUnavailableResponse({ description: 'STORAGE_UNAVAILABLE' })
  upload(@IncomingMedia() input: MediaInput): MediaRecord {
    return input.media;
  }

  @Post('upload/presign')
  @ApiOperation({
    summary: 'Start a direct upload: get a short-lived URL to PUT the bytes to',
    description:
      'On S3 the URL is an S3 presigned PUT; on local disk it is this service’s PUT /upload/{media_id} guarded by an ' +
      'HMAC-signed, expiring token. Send the returned headers with the PUT, then POST complete_url.',
  })
  @ApiCreatedResponse({ type: PresignedUploadDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: size over MAX_FILE_SIZE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT: content_type not accepted' })
  presign(@Body() body: PresignUploadDto, @RequestOrigin() origin: string): Promise<PresignedUploadDto> {
    return this.presigned.presign(body, this.app.publicBaseUrl ?? origin);
  }

  @Put('upload/:media_id')
  @PublicRoute() // the HMAC upload token, bound to its owner, authenticates the PUT
  @ApiOperation({
    summary: 'Local driver: receive the bytes of a presigned upload',
    description: 'The raw bytes as the body (not multipart), with the token from /upload/presign.',
  })
  @ApiParam(MEDIA_ID_PARAM)
  @ApiQuery({ name: 'token', required: true, schema: { type: 'string' }, description: 'From upload_url' })
  @ApiConsumes('application/octet-stream', 'audio/*', 'image/*')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: UploadReceivedDto })
  @ApiForbiddenResponse({ description: 'FORBIDDEN (bad token) or UPLOAD_URL_EXPIRED' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: more bytes than announced' })
  @ApiConflictResponse({ description: 'The bytes of this upload were already PUT' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND (or the S3 driver is in use)' })
  async receive(
    @UuidParam('media_id') mediaId: string,
    @Query('token') token: string | undefined,
    @RawRequestBody() body: RawBody,
  ): Promise<UploadReceivedDto> {
    const { size } = await this.presigned.receive(mediaId, token, body.stream, body.signal);
    return { media_id: mediaId, size };
  }

  @Post('media/:media_id/complete')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Finish a presigned upload: validate the bytes exactly as /upload does and register them',
    description: 'On rejection the bytes are deleted. Completing an already completed upload answers its record.',
  })
  @ApiParam(MEDIA_ID_PARAM)
  @ApiCreatedResponse({ type: MediaRecordDto, examples: MEDIA_RECORD_EXAMPLES })
  @ApiOkResponse({ type: MediaRecordDto, description: 'Already completed', examples: MEDIA_RECORD_EXAMPLES })
  @ApiConflictResponse({ description: 'FILE_MISSING: nothing uploaded yet' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT' })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_FILE (does not parse, size differs from announced)' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND' })
  async complete(@UuidParam('media_id') mediaId: string, @Res({ passthrough: true }) res: Response) {
    const { record, created } = await this.presigned.complete(mediaId);
    if (!created) res.status(HttpStatus.OK);
    return record;
  }

  @Get('media/:media_id')
  @RequireScope('media:read')
  @ApiStoredRecord({
    summary: 'Metadata of a stored media',
    param: MEDIA_ID_PARAM,
    type: MediaRecordDto,
    examples: MEDIA_RECORD_EXAMPLES,
    notFound: 'MEDIA_NOT_FOUND',
  })
  async getRecord(@UuidParam('media_id') mediaId: string, @Res() res: Response): Promise<void> {
    sendDocument(res, await this.media.getDocument(mediaId));
  }

  @Get('media/:media_id/download')
  @RequireScope('media:read')
  @ApiOperation({
    summary: 'The bytes, with Range and conditional (If-None-Match) support',
    description: 'With STORAGE_DRIVER=s3, `?redirect=true` answers 302 to a short-lived presigned S3 GET.',
  })
  @ApiParam(MEDIA_ID_PARAM)
  @ApiQuery({ name: 'redirect', required: false, type: Boolean })
  @ApiProduces('audio/*', 'image/*')
  @ApiOkResponse({ description: 'The whole file', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 206, description: 'One byte range (Range: bytes=a-b)', content: RANGE_CONTENT })
  @ApiResponse({
    status: 302,
    description: 'S3 with redirect=true: Location is a presigned GET',
    content: REDIRECT_CONTENT,
  })
  @ApiResponse({ status: 304, description: 'If-None-Match matched the ETag' })
  @ApiResponse({ status: 416, description: 'RANGE_NOT_SATISFIABLE' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND' })
  async download(
    @UuidParam('media_id') mediaId: string,
    @Query('redirect') redirect: string | undefined,
    @Headers() headers: IncomingHttpHeaders,
    @IsHeadRequest() head: boolean,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.downloads.answer(mediaId, {
      redirect: redirect === 'true',
      range: headers.range,
      ifNoneMatch: headers['if-none-match'],
      ifRange: [headers['if-range']].flat()[0],
      head,
    });
    res.status(answer.status).set(answer.headers);
    if (answer.error) throw answer.error;
    if (!answer.open) {
      res.end();
      return;
    }
    try {
      await pipeline(await answer.open(), res);
    } catch {
      // The client went away or the store failed mid-stream: the connection is already cut.
      res.destroy();
    }
  }

  @Delete('media/:media_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a media and everything stored for it' })
  @ApiParam(MEDIA_ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND' })
  async remove(@UuidParam('media_id') mediaId: string): Promise<void> {
    await this.media.delete(mediaId);
  }
}
