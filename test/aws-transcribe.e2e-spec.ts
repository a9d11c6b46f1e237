import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createS3Client, createTranscribeClient } from '../src/aws/aws.module';
import type { StorageConfig, TranscriptionConfig } from '../src/config/configuration';
import { mediaRecord } from './factories/media-record.factory';
import { AwsTranscriber } from '../src/transcription/providers/aws.transcriber';
import { FakeAws, FakeHandler, jsonError, jsonReply, RecordedRequest } from './support/fake-aws';

const FIXTURES = join(__dirname, '..', 'src', 'transcription', 'providers', 'fixtures');
const JOB_ID = '5d1c2b3a-8d4a-4f7e-9a51-3c2d1e0f9a8b';
const media = mediaRecord({ media_id: '7a6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b' });
const storage = { driver: 's3', bucket: 'media', prefix: 'uploads/' } as StorageConfig;
const config = { pollIntervalMs: 100, outputPrefix: 'transcribe-output/' } as TranscriptionConfig;

/** GetTranscriptionJob as Transcribe answers it on the wire (epoch-second timestamps). */
function jobJson(status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED', extra: Record<string, unknown> = {}) {
  return jsonReply({
    TranscriptionJob: {
      TranscriptionJobName: JOB_ID,
      TranscriptionJobStatus: status,
      LanguageCode: 'en-US',
      MediaFormat: 'mp3',
      CreationTime: 1764622800.123,
      ...(status === 'COMPLETED'
        ? {
            Transcript: {
              TranscriptFileUri: `https://s3.us-east-1.amazonaws.com/media/uploads/transcribe-output/${JOB_ID}.json`,
            },
          }
        : {}),
      ...extra,
    },
  });
}

/** Transcribe (JSON 1.1) and the S3 bucket it writes to, on one fake endpoint. */
function transcribeAndS3(getJob: (call: number, request: RecordedRequest) => ReturnType<FakeHandler>): FakeHandler {
  let gets = 0;
  return (request) => {
    if (request.operation === 'StartTranscriptionJob') return jobJson('IN_PROGRESS');
    if (request.operation === 'GetTranscriptionJob') return getJob((gets += 1), request);
    if (request.operation === 'DeleteTranscriptionJob') return jsonReply({});
    if (request.method === 'DELETE') return { status: 204 };
    if (request.method === 'GET' && request.path === `/media/uploads/transcribe-output/${JOB_ID}.json`) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: readFileSync(join(FIXTURES, 'transcript-speakers.json')),
      };
    }
    return jsonError('UnknownOperationException', `unexpected ${request.method} ${request.path}`, 400);
  };
}

describe('AwsTranscriber against a fake Transcribe on loopback (real SDK retries and error parsing)', () => {
  let fake: FakeAws;
  const clients: { destroy(): void }[] = [];
  beforeAll(async () => {
    Logger.overrideLogger(false);
    fake = await FakeAws.start();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await fake.close();
  });

  function transcriber(requestTimeoutMs = 2_000) {
    const base = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestTimeoutMs };
    const transcribe = createTranscribeClient({ ...base, transcribeEndpoint: fake.url });
    const s3 = createS3Client({ ...base, s3Endpoint: fake.url, s3ForcePathStyle: true });
    clients.push(transcribe, s3);
    return new AwsTranscriber(transcribe, s3, config, storage);
  }

  const run = (subject: AwsTranscriber) =>
    subject.transcribe({
      jobId: JOB_ID,
      media,
      options: { language_code: 'en-US', output_format: 'json' },
      signal: new AbortController().signal,
    });

  it('a throttling burst and a dropped connection on GetTranscriptionJob do not fail the job', async () => {
    fake.requests.length = 0;
    fake.handler = transcribeAndS3((call) => {
      // Four throttled answers in a row: more than the SDK's 3 attempts of one poll.
      if (call <= 4) return jsonError('LimitExceededException', 'Rate exceeded', 400);
      if (call === 5) return { drop: true };
      return call === 6 ? jobJson('IN_PROGRESS') : jobJson('COMPLETED');
    });
    const result = await run(transcriber());
    expect(result.transcript).toBe("Hello, I'm looking for a 27 inch monitor. Sure, we have three.");
    expect(fake.calls('GetTranscriptionJob').length).toBeGreaterThanOrEqual(7);
    // Then the transcript object and the finished AWS job are deleted (in the background).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requests.find((r) => r.method === 'DELETE')?.path).toBe(
      `/media/uploads/transcribe-output/${JOB_ID}.json`,
    );
    expect(fake.calls('DeleteTranscriptionJob').map((r) => r.json)).toEqual([{ TranscriptionJobName: JOB_ID }]);
  }, 30_000);

  it('a job AWS failed, and a Get refused as the caller’s mistake, fail with distinct codes', async () => {
    fake.handler = transcribeAndS3(() =>
      jobJson('FAILED', { FailureReason: 'Invalid file size: file size too large.' }),
    );
    await expect(run(transcriber())).rejects.toMatchObject({
      code: 'PROVIDER_ERROR',
      message: expect.stringContaining('file size too large'),
    });
    fake.handler = transcribeAndS3(() =>
      jsonError('BadRequestException', "The requested job couldn't be found. Check the job name and try again.", 400),
    );
    await expect(run(transcriber())).rejects.toMatchObject({ code: 'PROVIDER_BAD_REQUEST' });
  });

  it('a Transcribe that stops answering is waited out and followed, not failed', async () => {
    fake.handler = transcribeAndS3((call) => (call === 1 ? { hang: true } : jobJson('COMPLETED')));
    const started = Date.now();
    await expect(run(transcriber(500))).resolves.toMatchObject({ language_code: 'en-US' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
