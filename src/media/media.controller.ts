import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  Put,
  Query,
  Req,
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
import { UuidParam } from '../common/http/uuid-param';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { PublicRoute, RequireScope } from '../auth/scopes';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { readMultipart } from '../common/http/multipart';
import { ApiMediaInput } from '../docs/api-media-input.decorator';
import { appConfig, AppConfig, storageConfig, StorageConfig } from '../config/configuration';
import { MediaRecordDto, PresignedUploadDto, PresignUploadDto, UploadReceivedDto } from './dto/media.dto';
import { contentDisposition } from './filename';
import { etagMatches, parseRange } from './http-range';
import { MediaRecord } from './media-record';
import { MediaService } from './media.service';
import { PresignedUploadService } from './presigned-upload.service';

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
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  @Post('upload')
  @ApiOperation({
    summary: 'Upload one audio or image file',
    description:
      'Streams the file to storage while reading it. The format is decided from the bytes; images are probed with ' +
      'sharp and audio with music-metadata. Nothing is stored unless every check passes.',
  })
  @ApiMediaInput({ fileField: 'file', fileDescription: 'One audio or image file' })
  @ApiCreatedResponse({ type: MediaRecordDto })
  @ApiBadRequestResponse({ description: 'FILE_MISSING, TOO_MANY_FILES, UNEXPECTED_FIELD, INVALID_FILE (empty)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: over MAX_FILE_SIZE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT, with received_format and supported_formats' })
  @ApiUnprocessableEntityResponse({
    description: 'INVALID_FILE: claims a format but does not parse, or too many pixels',
  })
  @ApiServiceUnavailableResponse({ description: 'STORAGE_UNAVAILABLE' })
  async upload(@Req() req: Request): Promise<MediaRecord> {
    const { files } = await readMultipart(req, {
      fileField: 'file',
      maxFileSize: this.storage.maxFileSize,
      onFile: (part, signal) => this.media.ingest({ stream: part.stream, filename: part.filename, signal }),
    });
    return files[0];
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
  presign(@Body() body: PresignUploadDto, @Req() req: Request) {
    return this.presigned.presign(body, this.baseUrl(req));
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
    @Req() req: Request,
  ): Promise<UploadReceivedDto> {
    if (this.storage.driver !== 'local') {
      throw AppException.notFound(ErrorCode.NOT_FOUND, 'Uploads go straight to S3 with STORAGE_DRIVER=s3');
    }
    const controller = new AbortController();
    req.once('close', () => !req.complete && controller.abort());
    const { size } = await this.presigned.receive(mediaId, token, req, controller.signal);
    return { media_id: mediaId.toLowerCase(), size };
  }

  @Post('media/:media_id/complete')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Finish a presigned upload: validate the bytes exactly as /upload does and register them',
    description: 'On rejection the bytes are deleted. Completing an already completed upload answers its record.',
  })
  @ApiParam(MEDIA_ID_PARAM)
  @ApiCreatedResponse({ type: MediaRecordDto })
  @ApiOkResponse({ type: MediaRecordDto, description: 'Already completed' })
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
  @ApiOperation({ summary: 'Metadata of a stored media' })
  @ApiParam(MEDIA_ID_PARAM)
  @ApiOkResponse({ type: MediaRecordDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: not a UUID' })
  @ApiNotFoundResponse({ description: 'MEDIA_NOT_FOUND' })
  getRecord(@UuidParam('media_id') mediaId: string): Promise<MediaRecord> {
    return this.media.get(mediaId);
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
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const record = await this.media.get(mediaId);
    const etag = `"${record.sha256}"`;
    const disposition = contentDisposition(record.filename);
    if (redirect === 'true' && this.media.presignGet) {
      const url = await this.media.presignGet(record, disposition);
      if (url) {
        res.setHeader('Cache-Control', 'no-store');
        res.redirect(HttpStatus.FOUND, url);
        return;
      }
    }
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', new Date(record.created_at).toUTCString());
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Accept-Ranges', 'bytes');
    if (etagMatches(req.headers['if-none-match'], etag)) {
      res.status(HttpStatus.NOT_MODIFIED).end();
      return;
    }
    const ifRange = req.headers['if-range'];
    const range = ifRange && ifRange !== etag ? undefined : parseRange(req.headers.range, record.size);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${record.size}`);
      throw new AppException(
        ErrorCode.RANGE_NOT_SATISFIABLE,
        `The range is outside the file (${record.size} bytes)`,
        HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
        { size: record.size },
      );
    }
    res.setHeader('Content-Type', record.content_type);
    res.setHeader('Content-Disposition', disposition);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (range) {
      res.status(HttpStatus.PARTIAL_CONTENT);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${record.size}`);
      res.setHeader('Content-Length', String(range.end - range.start + 1));
    } else {
      res.status(HttpStatus.OK);
      res.setHeader('Content-Length', String(record.size));
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = await this.media.openStream(record, range);
    try {
      await pipeline(stream, res);
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

  private baseUrl(req: Request): string {
    return this.app.publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;
  }
}
