import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { PassThrough, Readable } from 'node:stream';
import { mediaInput } from '../../test/factories/media-input.factory';
import { imageRecord } from '../../test/factories/media-record.factory';
import { controllerUnderTest } from '../../test/support/controller-under-test';
import { strictMock } from '../../test/support/strict-mock';
import { appConfig } from '../config/configuration';
import { MediaDownloads } from './media-download.service';
import { MediaController } from './media.controller';
import { MediaService } from './media.service';
import { PresignedUploadService } from './presigned-upload.service';

async function setUp(publicBaseUrl?: string) {
  const media = strictMock<MediaService>('MediaService');
  const presigned = strictMock<PresignedUploadService>('PresignedUploadService');
  const downloads = strictMock<MediaDownloads>('MediaDownloads');
  const controller = await controllerUnderTest(MediaController, [
    { provide: MediaService, useValue: media },
    { provide: PresignedUploadService, useValue: presigned },
    { provide: MediaDownloads, useValue: downloads },
    { provide: appConfig.KEY, useValue: { publicBaseUrl } },
  ]);
  return { controller, media, presigned, downloads };
}

/** A response that records what the download handler does to it. */
function recordingResponse() {
  const res = Object.assign(new PassThrough(), {
    statusCode: 200,
    headers: {} as Record<string, string>,
    ended: false,
  });
  const end = res.end.bind(res);
  return Object.assign(res, {
    status: (code: number) => ((res.statusCode = code), res),
    set: (headers: Record<string, string>) => (Object.assign(res.headers, headers), res),
    end: () => ((res.ended = true), end()),
  }) as unknown as Response & { statusCode: number; headers: Record<string, string>; ended: boolean };
}

describe('MediaController (its services mocked)', () => {
  it('upload answers the record the intake stored, without another call', async () => {
    const { controller } = await setUp();
    const input = mediaInput({}, imageRecord());
    expect(controller.upload(input)).toBe(input.media);
  });

  it('presign builds links on PUBLIC_BASE_URL when set, else on the request origin', async () => {
    const body = { filename: 'a.wav', content_type: 'audio/wav', size: 10 };
    for (const [base, expected] of [
      ['https://media.example.com', 'https://media.example.com'],
      [undefined, 'http://127.0.0.1:8001'],
    ] as const) {
      const { controller, presigned } = await setUp(base);
      presigned.presign.mockResolvedValue({} as never);
      await controller.presign(body, 'http://127.0.0.1:8001');
      expect(presigned.presign).toHaveBeenCalledTimes(1);
      expect(presigned.presign).toHaveBeenCalledWith(body, expected);
    }
  });

  it('download hands the conditional headers to one service call and streams its range', async () => {
    const { controller, downloads } = await setUp();
    const record = imageRecord();
    downloads.answer.mockResolvedValue({
      status: HttpStatus.PARTIAL_CONTENT,
      headers: { 'Content-Range': `bytes 0-2/${record.size}` },
      open: () => Promise.resolve(Readable.from([Buffer.from('abc')])),
    });
    const res = recordingResponse();
    const chunks: Buffer[] = [];
    (res as unknown as PassThrough).on('data', (chunk: Buffer) => chunks.push(chunk));
    await controller.download(record.media_id, undefined, { range: 'bytes=0-2', 'if-range': '"x"' }, false, res);
    expect(downloads.answer).toHaveBeenCalledWith(record.media_id, {
      redirect: false,
      range: 'bytes=0-2',
      ifNoneMatch: undefined,
      ifRange: '"x"',
      head: false,
    });
    expect([res.statusCode, res.headers['Content-Range'], Buffer.concat(chunks).toString()]).toEqual([
      206,
      `bytes 0-2/${record.size}`,
      'abc',
    ]);
  });

  it('a 304 (no bytes to send) ends the response with its headers only', async () => {
    const { controller, downloads } = await setUp();
    downloads.answer.mockResolvedValue({ status: HttpStatus.NOT_MODIFIED, headers: { ETag: '"e"' } });
    const res = recordingResponse();
    await controller.download('0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b', undefined, {}, false, res);
    expect([res.statusCode, res.headers.ETag, res.ended]).toEqual([304, '"e"', true]);
  });

  it('remove deletes once', async () => {
    const { controller, media } = await setUp();
    media.delete.mockResolvedValue();
    await controller.remove('0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b');
    expect(media.delete).toHaveBeenCalledTimes(1);
  });
});
