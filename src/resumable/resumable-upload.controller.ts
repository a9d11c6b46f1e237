import { applyDecorators, Controller, Delete, Get, Head, Options, Param, Patch, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiGoneResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PublicRoute, RequireScope } from '../auth/scopes';
import { UploadStatusDto } from './resumable-upload.dto';
import { requestOwner, ResumableUploadService, UploadStatus } from './resumable-upload.service';

const TUS_BYTES = { type: 'string', format: 'binary' } as const;
const ID_PARAM = { name: 'upload_id', format: 'uuid', description: 'The last segment of the Location tus answered' };
const TUS_RESUMABLE = { name: 'Tus-Resumable', required: true, description: '1.0.0' };

/** tus 1.0's version header, required on every request but OPTIONS; without it the answer is 412. */
const TusResumable = () =>
  applyDecorators(
    ApiHeader(TUS_RESUMABLE),
    ApiResponse({ status: 412, description: 'PRECONDITION_FAILED: no Tus-Resumable header (Tus-Version: 1.0.0)' }),
  );

/**
 * tus 1.0 at /api/v1/uploads. The tus handler reads the raw request itself: the global body
 * parsers only take JSON and url-encoded bodies, and tus sends application/offset+octet-stream.
 */
@ApiTags('uploads')
@RequireScope('media:write')
@Controller('api/v1/uploads')
export class ResumableUploadController {
  constructor(private readonly uploads: ResumableUploadService) {}

  @Post()
  @ApiOperation({
    summary: 'tus creation (and creation-with-upload)',
    description:
      'Upload-Length (at most MAX_RESUMABLE_SIZE) and Upload-Metadata (base64 `filename`, `filetype`); optionally ' +
      'the first bytes as application/offset+octet-stream. Answers 201 with Location /api/v1/uploads/{upload_id} ' +
      'and Upload-Expires (RESUMABLE_EXPIRY). If the body completes the upload, it is validated as PATCH describes.',
  })
  @TusResumable()
  @ApiHeader({ name: 'Upload-Length', required: true, description: 'Bytes' })
  @ApiHeader({ name: 'Upload-Metadata', required: false, example: 'filename dm9pY2Uud2F2,filetype YXVkaW8vd2F2' })
  @ApiConsumes('application/offset+octet-stream')
  @ApiBody({ required: false, description: 'creation-with-upload: the first bytes', schema: TUS_BYTES })
  @ApiResponse({ status: 201, description: 'Created: Location, Upload-Offset, Upload-Expires' })
  @ApiBadRequestResponse({ description: 'BAD_REQUEST: no Upload-Length, or a tus header that does not parse' })
  @ApiPayloadTooLargeResponse({ description: 'Upload-Length over MAX_RESUMABLE_SIZE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT: a declared filetype that is not media' })
  create(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  @Options()
  @PublicRoute()
  @ApiOperation({ summary: 'tus discovery: Tus-Version, Tus-Extension, Tus-Max-Size' })
  @ApiResponse({ status: 204, description: 'Tus-Extension: creation,creation-with-upload,termination,expiration' })
  discover(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  // Declared before GET: Express would otherwise answer HEAD (tus's offset query) with the GET route.
  @Head(':upload_id')
  @ApiOperation({ summary: 'tus offset: Upload-Offset and Upload-Length of an incomplete upload' })
  @ApiParam(ID_PARAM)
  @TusResumable()
  @ApiResponse({ status: 200, description: 'Upload-Offset, Upload-Length, Upload-Metadata' })
  @ApiNotFoundResponse({ description: 'Unknown, terminated or completed' })
  @ApiGoneResponse({ description: 'Expired' })
  offset(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  @Get(':upload_id')
  @RequireScope('media:read')
  @ApiOperation({
    summary: 'Status of a resumable upload',
    description:
      'uploading (offset = bytes received), completed (media_id of the media record it became) or failed ' +
      '(error: the same error POST /upload answers for those bytes).',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: UploadStatusDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: unknown upload (or another owner’s)' })
  @ApiGoneResponse({ description: 'The upload expired before it completed' })
  status(@Param('upload_id') uploadId: string, @Req() req: Request): Promise<UploadStatus> {
    return this.uploads.status(uploadId, requestOwner(req));
  }

  @Patch(':upload_id')
  @ApiOperation({
    summary: 'tus append: bytes from Upload-Offset',
    description:
      'The last PATCH completes the upload: its bytes go through the same validation as POST /upload (type from ' +
      'the bytes, probes, duration and pixel limits) with MAX_RESUMABLE_SIZE as the size limit, and become a media ' +
      'record whose id the 204 carries in `Media-Id`. A refused upload is deleted; the error (as POST /upload ' +
      'answers it) is the response body and stays in GET /api/v1/uploads/{upload_id}.',
  })
  @ApiParam(ID_PARAM)
  @TusResumable()
  @ApiHeader({ name: 'Upload-Offset', required: true, description: 'Must equal the server’s offset' })
  @ApiConsumes('application/offset+octet-stream')
  @ApiBody({ description: 'The next bytes, from Upload-Offset', schema: TUS_BYTES })
  @ApiResponse({ status: 204, description: 'Upload-Offset; Media-Id once complete' })
  @ApiResponse({ status: 409, description: 'Upload-Offset differs from the server’s' })
  @ApiUnsupportedMediaTypeResponse({ description: 'INVALID_FILE_FORMAT (on completion)' })
  @ApiUnprocessableEntityResponse({ description: 'INVALID_FILE (on completion)' })
  @ApiGoneResponse({ description: 'Expired' })
  append(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  @Delete(':upload_id')
  @ApiOperation({ summary: 'tus termination: delete an incomplete upload' })
  @ApiParam(ID_PARAM)
  @TusResumable()
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no incomplete upload with this id (or another owner’s)' })
  terminate(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  /** OPTIONS on an upload, and POST with X-HTTP-Method-Override (clients that cannot PATCH). */
  @Options(':upload_id')
  @PublicRoute()
  @ApiExcludeEndpoint()
  uploadOptions(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  @Post(':upload_id')
  @ApiExcludeEndpoint()
  overridden(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }
}
