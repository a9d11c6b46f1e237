import { HttpStatus, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { contentDisposition } from './filename';
import { etagMatches, parseRange } from './http-range';
import { MediaService } from './media.service';

/** The parts of a GET /download request that decide the answer. */
export interface DownloadRequest {
  /** S3: answer with a presigned GET instead of the bytes. */
  redirect: boolean;
  range?: string;
  ifNoneMatch?: string;
  ifRange?: string;
  /** HEAD: the headers only. */
  head: boolean;
}

export interface DownloadAnswer {
  status: HttpStatus;
  headers: Record<string, string>;
  /** The bytes to send (none for 302, 304, 416 and HEAD). */
  open?: () => Promise<Readable>;
  /** Sent after the headers (416 carries Content-Range). */
  error?: AppException;
}

/** GET /media/{id}/download: ETag, conditional requests, one byte range, the S3 redirect. */
@Injectable()
export class MediaDownloads {
  constructor(private readonly media: MediaService) {}

  async answer(mediaId: string, request: DownloadRequest): Promise<DownloadAnswer> {
    const record = await this.media.get(mediaId);
    const etag = `"${record.sha256}"`;
    const disposition = contentDisposition(record.filename);
    if (request.redirect) {
      const url = await this.media.presignGet(record, disposition);
      if (url) return { status: HttpStatus.FOUND, headers: { 'Cache-Control': 'no-store', Location: url } };
    }
    const headers: Record<string, string> = {
      ETag: etag,
      'Last-Modified': new Date(record.created_at).toUTCString(),
      'Cache-Control': 'private, no-cache',
      'Accept-Ranges': 'bytes',
    };
    if (etagMatches(request.ifNoneMatch, etag)) return { status: HttpStatus.NOT_MODIFIED, headers };
    const range = request.ifRange && request.ifRange !== etag ? undefined : parseRange(request.range, record.size);
    if (range === 'unsatisfiable') {
      return {
        status: HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
        headers: { ...headers, 'Content-Range': `bytes */${record.size}` },
        error: new AppException(
          ErrorCode.RANGE_NOT_SATISFIABLE,
          `The range is outside the file (${record.size} bytes)`,
          HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
          { size: record.size },
        ),
      };
    }
    Object.assign(headers, {
      'Content-Type': record.content_type,
      'Content-Disposition': disposition,
      'X-Content-Type-Options': 'nosniff',
    });
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${record.size}`;
      headers['Content-Length'] = String(range.end - range.start + 1);
    } else {
      headers['Content-Length'] = String(record.size);
    }
    return {
      status: range ? HttpStatus.PARTIAL_CONTENT : HttpStatus.OK,
      headers,
      ...(request.head ? {} : { open: () => this.media.openStream(record, range) }),
    };
  }
}
