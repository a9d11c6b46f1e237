import { All, Controller, Get, Head, Param, Req, Res } from '@nestjs/common';
import {
  ApiExcludeEndpoint,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { UploadStatusDto } from './resumable-upload.dto';
import { requestOwner, ResumableUploadService, UploadStatus } from './resumable-upload.service';

/**
 * tus 1.0 at /api/v1/uploads. The tus handler reads the raw request itself: the global body
 * parsers only take JSON and url-encoded bodies, and tus sends application/offset+octet-stream.
 */
@ApiTags('uploads')
@Controller('api/v1/uploads')
export class ResumableUploadController {
  constructor(private readonly uploads: ResumableUploadService) {}

  // The tus protocol itself is documented by hand in the OpenAPI document (see ResumableUploadsDoc).
  @All()
  @ApiExcludeEndpoint()
  create(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  // Declared before GET: Express would otherwise answer HEAD (tus's offset query) with the GET route.
  @Head(':upload_id')
  @ApiExcludeEndpoint()
  head(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }

  @Get(':upload_id')
  @ApiOperation({
    summary: 'Status of a resumable upload',
    description:
      'uploading (offset = bytes received), completed (media_id of the media record it became) or failed ' +
      '(error: the same error POST /upload answers for those bytes).',
  })
  @ApiParam({ name: 'upload_id', format: 'uuid', description: 'The last segment of the Location tus answered' })
  @ApiOkResponse({ type: UploadStatusDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: unknown upload (or another owner’s)' })
  @ApiGoneResponse({ description: 'The upload expired before it completed' })
  status(@Param('upload_id') uploadId: string, @Req() req: Request): Promise<UploadStatus> {
    return this.uploads.status(uploadId, requestOwner(req));
  }

  /** PATCH (append), DELETE (terminate), OPTIONS. */
  @All(':upload_id')
  @ApiExcludeEndpoint()
  upload(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.uploads.handle(req, res);
  }
}
