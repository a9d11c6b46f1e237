import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { mediaRecord } from '../../test/factories/media-record.factory';
import { strictMock } from '../../test/support/strict-mock';
import { wavHeader } from '../../test/support/wav';
import { CallerContext, runAsCaller } from '../auth/caller-context';
import { securityConfig, SecurityConfig, storageConfig, StorageConfig } from '../config/configuration';
import { MALWARE_SCANNER, MalwareScanner } from '../security/malware/malware-scanner';
import { OBJECT_STORE, ObjectStore, PutOptions } from '../storage/object-store';
import { MediaRecordRepository } from './media-record.repository';
import { MediaService } from './media.service';

const ID = '0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b';
const storage = {
  maxFileSize: 1024 * 1024,
  allowedAudioFormats: ['wav', 'mp3'],
  allowedImageFormats: ['jpg', 'jpeg', 'png'],
  maxImagePixels: 1e8,
} as StorageConfig;
const security = { auth: { mode: 'jwt' }, cacheScope: 'owner', malware: { failOpen: false } } as SecurityConfig;
const asAlice = <T>(work: () => T) => runAsCaller({ owner: 'alice', scopes: [], authenticated: true }, work);

/** 0.1 s of 16 kHz mono silence: a real WAV the intake sniffs and probes. */
const wav = Buffer.concat([wavHeader(3200), Buffer.alloc(3200)]);

async function setUp() {
  // S3-shaped store (no local path, no presigning) so the intake streams, as in production.
  const store = strictMock<ObjectStore>('ObjectStore', {
    driver: 's3',
    localPathOf: undefined,
    presignGet: undefined,
    presignPut: undefined,
  });
  const records = strictMock<MediaRecordRepository>('MediaRecordRepository');
  const scanner = strictMock<MalwareScanner>('MalwareScanner', { name: 'none' });
  const moduleRef = await Test.createTestingModule({
    providers: [
      MediaService,
      CallerContext,
      { provide: OBJECT_STORE, useValue: store },
      { provide: MediaRecordRepository, useValue: records },
      { provide: MALWARE_SCANNER, useValue: scanner },
      { provide: storageConfig.KEY, useValue: storage },
      { provide: securityConfig.KEY, useValue: security },
    ],
  }).compile();
  return { service: moduleRef.get(MediaService), store, records, scanner };
}

describe('MediaService (ports mocked)', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('get: a malformed id is a 400 and never reaches the store', async () => {
    const { service } = await setUp();
    await expect(asAlice(() => service.get('../etc/passwd'))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
    });
  });

  it("get: another owner's record is answered as unknown (404), the caller's own is returned", async () => {
    const { service, records } = await setUp();
    records.get.calledWith(ID).mockResolvedValue(mediaRecord({ media_id: ID, owner: 'bob' }));
    await expect(asAlice(() => service.get(ID.toUpperCase()))).rejects.toMatchObject({
      code: 'MEDIA_NOT_FOUND',
      status: 404,
    });
    records.get.calledWith(ID).mockResolvedValue(mediaRecord({ media_id: ID, owner: 'alice' }));
    await expect(asAlice(() => service.get(ID))).resolves.toMatchObject({ media_id: ID, owner: 'alice' });
  });

  it('delete: the record goes first (the media stops existing), then its objects and any pending upload', async () => {
    const { service, records } = await setUp();
    const order: string[] = [];
    records.get.calledWith(ID).mockResolvedValue(mediaRecord({ media_id: ID, owner: 'alice' }));
    records.getPending.calledWith(ID).mockResolvedValue(null);
    records.delete.mockImplementation(async () => void order.push('record'));
    records.deleteObjects.mockImplementation(async () => (order.push('objects'), 2));
    records.deletePending.mockImplementation(async () => void order.push('pending'));
    await asAlice(() => service.delete(ID));
    expect(order).toEqual(['record', 'objects', 'pending']);
  });

  it('ingest: streams a real WAV into the store once, probes it from its header and registers its record', async () => {
    const { service, store, records, scanner } = await setUp();
    scanner.open.mockReturnValue(undefined);
    let written: Buffer | undefined;
    store.put.mockImplementation(async (key: string, body: Readable | Buffer, options?: PutOptions) => {
      written = await buffer(body as Readable);
      await options?.verify?.({});
      return { key, size: written.length, etag: '"e"', lastModified: new Date() };
    });
    records.save.mockResolvedValue();
    const record = await asAlice(() => service.ingest({ stream: Readable.from([wav]), filename: '../q.wav' }));
    expect(written).toEqual(wav);
    expect(store.put).toHaveBeenCalledWith(`media/${record.media_id}/original`, expect.anything(), expect.anything());
    expect(record).toMatchObject({
      owner: 'alice',
      filename: 'q.wav',
      format: 'wav',
      media_type: 'audio',
      content_type: 'audio/wav',
      size: wav.length,
      sha256: createHash('sha256').update(wav).digest('hex'),
      sample_rate: 16000,
      channels: 1,
      duration: 0.1,
    });
    expect(records.save).toHaveBeenCalledWith(record);
  });

  it('ingest: bytes of a format not accepted are refused (415) before anything is written', async () => {
    const { service, scanner } = await setUp();
    scanner.open.mockReturnValue(undefined);
    const text = Buffer.from('just some text, not audio at all\n'.repeat(20));
    await expect(asAlice(() => service.ingest({ stream: Readable.from([text]) }))).rejects.toMatchObject({
      code: 'INVALID_FILE_FORMAT',
      status: 415,
    });
  });

  it('ingest: when the record cannot be written the stored bytes are deleted (nothing stays behind)', async () => {
    const { service, store, records, scanner } = await setUp();
    scanner.open.mockReturnValue(undefined);
    store.put.mockImplementation(async (key: string, body: Readable | Buffer, options?: PutOptions) => {
      await buffer(body as Readable);
      await options?.verify?.({});
      return { key, size: wav.length, etag: '"e"', lastModified: new Date() };
    });
    const refused = new Error('store refused the record');
    records.save.mockRejectedValue(refused);
    store.delete.mockResolvedValue();
    await expect(asAlice(() => service.ingest({ stream: Readable.from([wav]) }))).rejects.toBe(refused);
    const key = store.put.mock.calls[0][0];
    expect(store.delete).toHaveBeenCalledWith(key);
  });

  it('ingestBuffer: more than MAX_FILE_SIZE is a 413 without touching the store', async () => {
    const { service } = await setUp();
    await expect(
      asAlice(() => service.ingestBuffer(Buffer.alloc(storage.maxFileSize + 1), { filename: 'big.wav' })),
    ).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', status: 413 });
  });
});
