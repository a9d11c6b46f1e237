import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ConflictException,
  DeleteTranscriptionJobCommand,
  GetTranscriptionJobCommand,
  GetTranscriptionJobCommandOutput,
  StartTranscriptionJobCommand,
  TranscribeClient,
} from '@aws-sdk/client-transcribe';
import { Logger } from '@nestjs/common';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageConfig, TranscriptionConfig } from '../../config/configuration';
import { mediaRecord } from '../../../test/factories/media-record.factory';
import type { MediaRecord } from '../../media/media-record';
import type { TranscriptionOptions } from '../transcription.types';
import { AwsTranscriber, backoff, pollDelay } from './aws.transcriber';
import { TranscriptionError } from './transcriber.port';
import type { AppException } from '../../common/errors/app.exception';

const JOB_ID = '3f2b6c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b';
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const TIME_FIELDS = ['StartTime', 'CreationTime', 'CompletionTime'] as const;

/** A GetTranscriptionJob fixture as the SDK hands it over (timestamps deserialised to Date). */
function jobResponse(name: string): GetTranscriptionJobCommandOutput {
  const out = JSON.parse(fixture(name)) as GetTranscriptionJobCommandOutput;
  const job = out.TranscriptionJob as Record<string, unknown>;
  for (const field of TIME_FIELDS) if (typeof job[field] === 'string') job[field] = new Date(job[field] as string);
  return out;
}

/** The SDK's GetObject body: a stream with transformToString. */
function objectBody(text: string) {
  return { transformToString: () => Promise.resolve(text) } as never;
}

const media = mediaRecord({ media_id: '0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b' });

const storage = { driver: 's3', bucket: 'talknshop-media', prefix: 'uploads/' } as StorageConfig;
const config = { pollIntervalMs: 100, outputPrefix: 'transcribe-output/' } as TranscriptionConfig;
const OUTPUT_KEY = `uploads/transcribe-output/${JOB_ID}.json`;

describe('AwsTranscriber (mocked SDK clients)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));
  const transcribeMock = mockClient(TranscribeClient);
  const s3Mock = mockClient(S3Client);
  let transcriber: AwsTranscriber;

  beforeEach(() => {
    transcribeMock.reset();
    s3Mock.reset();
    transcriber = new AwsTranscriber(new TranscribeClient({}), new S3Client({}), config, storage);
  });

  const run = (
    options: Partial<TranscriptionOptions> = {},
    signal = new AbortController().signal,
    progress?: number[],
  ) =>
    transcriber.transcribe({
      jobId: JOB_ID,
      media,
      options: { language_code: 'en-US', output_format: 'json', ...options },
      signal,
      onProgress: (p) => progress?.push(p),
    });

  it('starts the job on the stored object with speaker labels and a vocabulary, follows it and maps the transcript', async () => {
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    transcribeMock
      .on(GetTranscriptionJobCommand)
      .resolvesOnce(jobResponse('get-transcription-job-in-progress.json'))
      .resolves(jobResponse('get-transcription-job-completed.json'));
    s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(fixture('transcript-speakers.json')) });
    const progress: number[] = [];

    const result = await run({ speaker_count: 2, vocabulary_name: 'shop-terms' }, undefined, progress);

    expect(transcribeMock).toHaveReceivedCommandWith(StartTranscriptionJobCommand, {
      TranscriptionJobName: JOB_ID,
      Media: { MediaFileUri: `s3://talknshop-media/uploads/${media.storage_key}` },
      MediaFormat: 'mp3',
      LanguageCode: 'en-US',
      OutputBucketName: 'talknshop-media',
      OutputKey: OUTPUT_KEY,
      Settings: { ShowSpeakerLabels: true, MaxSpeakerLabels: 2, VocabularyName: 'shop-terms' },
    });
    expect(transcribeMock).toHaveReceivedCommandTimes(GetTranscriptionJobCommand, 2);
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'talknshop-media', Key: OUTPUT_KEY });
    expect(progress).toEqual([5, 50]);
    expect(result.transcript).toBe("Hello, I'm looking for a 27 inch monitor. Sure, we have three.");
    expect(result.language_code).toBe('en-US');
    expect(result.duration).toBe(4.3);
    expect(result.words).toHaveLength(12);
    expect(result.words[0]).toEqual({ word: 'Hello', start_time: 0.04, end_time: 0.51, confidence: 0.998 });
    expect(result.words[5]).toEqual({ word: '27', start_time: 1.26, end_time: 1.85, confidence: 0.942 });
    expect(result.words.map((w) => w.word)).not.toContain(',');
    expect(result.confidence).toBeCloseTo(
      [0.998, 0.987, 0.999, 0.999, 0.995, 0.942, 0.991, 0.996, 0.975, 0.999, 0.999, 0.88].reduce((a, b) => a + b) / 12,
      3,
    );
    expect(result.speakers).toEqual([
      { speaker: 'spk_0', start_time: 0.04, end_time: 2.71, text: "Hello, I'm looking for a 27 inch monitor." },
      { speaker: 'spk_1', start_time: 3.1, end_time: 4.18, text: 'Sure, we have three.' },
    ]);
  });

  it('deletes the transcript object and the AWS job once the result is read, and encrypts with the KMS key', async () => {
    transcriber = new AwsTranscriber(new TranscribeClient({}), new S3Client({}), config, {
      ...storage,
      serverSideEncryption: 'aws:kms',
      kmsKeyId: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd',
    } as StorageConfig);
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    transcribeMock.on(GetTranscriptionJobCommand).resolves(jobResponse('get-transcription-job-completed.json'));
    s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(fixture('transcript-speakers.json')) });
    await run();
    expect(transcribeMock).toHaveReceivedCommandWith(StartTranscriptionJobCommand, {
      OutputEncryptionKMSKeyId: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: 'talknshop-media', Key: OUTPUT_KEY });
    expect(transcribeMock).toHaveReceivedCommandWith(DeleteTranscriptionJobCommand, { TranscriptionJobName: JOB_ID });
  });

  it('deletes a job AWS failed, but not one left running at shutdown', async () => {
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    transcribeMock.on(GetTranscriptionJobCommand).resolves(jobResponse('get-transcription-job-failed.json'));
    await expect(run()).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(transcribeMock).toHaveReceivedCommandTimes(DeleteTranscriptionJobCommand, 1);

    transcribeMock.reset();
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    transcribeMock.on(GetTranscriptionJobCommand).resolves(jobResponse('get-transcription-job-in-progress.json'));
    const stopped = run();
    setTimeout(() => transcriber.onModuleDestroy(), 150);
    await expect(stopped).rejects.toMatchObject({ code: 'EABORT' });
    expect(transcribeMock).not.toHaveReceivedCommand(DeleteTranscriptionJobCommand);
  });

  it('asks Transcribe to identify the language for auto, and reports the one it found', async () => {
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    const completed = jobResponse('get-transcription-job-completed.json');
    completed.TranscriptionJob!.LanguageCode = 'es-US';
    transcribeMock.on(GetTranscriptionJobCommand).resolves(completed);
    s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(fixture('transcript-identified.json')) });

    const result = await run({ language_code: 'auto' });

    const start = transcribeMock.commandCalls(StartTranscriptionJobCommand)[0].args[0].input;
    expect(start.IdentifyLanguage).toBe(true);
    expect(start.LanguageCode).toBeUndefined();
    expect(start.Settings).toBeUndefined();
    expect(result).toMatchObject({ transcript: 'Hola, busco un monitor.', language_code: 'es-US' });
    expect(result.speakers).toBeUndefined();
    expect(result.words.map((w) => w.word)).toEqual(['Hola', 'busco', 'un', 'monitor']);
  });

  it('fails with FailureReason when Transcribe fails the job', async () => {
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    transcribeMock.on(GetTranscriptionJobCommand).resolves(jobResponse('get-transcription-job-failed.json'));
    const error = (await run().catch((e: unknown) => e)) as TranscriptionError;
    expect(error).toBeInstanceOf(TranscriptionError);
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toMatch(/media format provided does not match/);
    expect(s3Mock).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('follows the existing AWS job after a restart (ConflictException on start)', async () => {
    transcribeMock
      .on(StartTranscriptionJobCommand)
      .rejects(new ConflictException({ message: 'The requested job name already exists.', $metadata: {} }));
    transcribeMock.on(GetTranscriptionJobCommand).resolves(jobResponse('get-transcription-job-completed.json'));
    s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(fixture('transcript-speakers.json')) });
    const result = await run({ speaker_count: 2 });
    expect(result.speakers).toHaveLength(2);
  });

  it.each([
    ['BadRequestException', 400, 'PROVIDER_BAD_REQUEST'],
    ['LimitExceededException', 400, 'PROVIDER_LIMIT_EXCEEDED'],
    ['InternalFailureException', 500, 'PROVIDER_UNAVAILABLE'],
    ['AccessDeniedException', 403, 'PROVIDER_ERROR'],
  ])('a start refused with %s (HTTP %d) fails the job with %s', async (name, status, code) => {
    transcribeMock
      .on(StartTranscriptionJobCommand)
      .rejects(Object.assign(new Error(`${name} says no`), { name, $metadata: { httpStatusCode: status } }));
    await expect(run()).rejects.toMatchObject({ code, message: expect.stringContaining(name) });
    // Limits and outages are tried again before the job fails; the caller's mistakes are not.
    const starts = transcribeMock.commandCalls(StartTranscriptionJobCommand).length;
    expect(starts).toBe(code === 'PROVIDER_BAD_REQUEST' || code === 'PROVIDER_ERROR' ? 1 : 5);
  });

  it('keeps following through throttled polls and network errors, and does not fail the job for them', async () => {
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    transcribeMock
      .on(GetTranscriptionJobCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .resolvesOnce(jobResponse('get-transcription-job-in-progress.json'))
      .resolves(jobResponse('get-transcription-job-completed.json'));
    s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(fixture('transcript-speakers.json')) });
    const result = await run();
    expect(result.words).toHaveLength(12);
    expect(transcribeMock).toHaveReceivedCommandTimes(GetTranscriptionJobCommand, 5);
  });

  it('keeps following the AWS job past TRANSCRIBE_JOB_TIMEOUT, and stops at shutdown', async () => {
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    transcribeMock
      .on(GetTranscriptionJobCommand)
      .resolvesOnce(jobResponse('get-transcription-job-in-progress.json'))
      .resolvesOnce(jobResponse('get-transcription-job-in-progress.json'))
      .resolves(jobResponse('get-transcription-job-completed.json'));
    s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(fixture('transcript-speakers.json')) });
    const timedOut = new AbortController();
    timedOut.abort(new TranscriptionError('ETIMEDOUT', 'too slow'));
    await expect(run({}, timedOut.signal)).resolves.toMatchObject({ language_code: 'en-US' });

    transcribeMock.reset();
    transcribeMock.on(StartTranscriptionJobCommand).resolves({});
    transcribeMock.on(GetTranscriptionJobCommand).resolves(jobResponse('get-transcription-job-in-progress.json'));
    const stopped = run({}, timedOut.signal);
    setTimeout(() => transcriber.onModuleDestroy(), 250);
    await expect(stopped).rejects.toMatchObject({ code: 'EABORT' });
  });

  it('polls slow down with jitter, and back off after errors, never past 30 s', () => {
    const delays = Array.from({ length: 40 }, (_, i) => pollDelay(5_000, i + 1));
    expect(delays[0]).toBeGreaterThanOrEqual(4_000);
    expect(delays[0]).toBeLessThanOrEqual(6_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(36_000);
    expect(new Set(delays).size).toBeGreaterThan(30); // jittered
    expect(Math.max(...Array.from({ length: 20 }, (_, i) => backoff(5_000, i + 1)))).toBeLessThanOrEqual(30_000);
  });

  describe('submission checks (what Transcribe would take and fail on after a 202)', () => {
    const status = (fn: () => void) => {
      try {
        fn();
        return 'accepted';
      } catch (error) {
        return `${(error as AppException).getStatus()} ${(error as AppException).code}`;
      }
    };
    const options = (extra: Partial<TranscriptionOptions>): TranscriptionOptions => ({
      language_code: 'en-US',
      output_format: 'json',
      ...extra,
    });

    it('language codes: only the SDK enum, case-sensitive', () => {
      expect(status(() => transcriber.checkOptions(options({})))).toBe('accepted');
      expect(status(() => transcriber.checkOptions(options({ language_code: 'es-US' })))).toBe('accepted');
      expect(status(() => transcriber.checkOptions(options({ language_code: 'en' })))).toBe('400 VALIDATION_FAILED');
      expect(status(() => transcriber.checkOptions(options({ language_code: 'en-us' })))).toBe('400 VALIDATION_FAILED');
      expect(
        status(() =>
          transcriber.checkOptions(options({ language_code: 'auto', language_options: ['en-US', 'xx-YY'] })),
        ),
      ).toBe('400 VALIDATION_FAILED');
    });

    it('auto with a vocabulary needs language_options; language_options need auto', () => {
      expect(status(() => transcriber.checkOptions(options({ language_code: 'auto', vocabulary_name: 'shop' })))).toBe(
        '400 VALIDATION_FAILED',
      );
      expect(
        status(() =>
          transcriber.checkOptions(
            options({ language_code: 'auto', vocabulary_name: 'shop', language_options: ['en-US', 'es-US'] }),
          ),
        ),
      ).toBe('accepted');
      expect(status(() => transcriber.checkOptions(options({ language_options: ['en-US', 'es-US'] })))).toBe(
        '400 VALIDATION_FAILED',
      );
    });

    it('Ogg and WebM only with Opus, at most two channels, at most 2 GB', () => {
      const check = (extra: Partial<MediaRecord>) => status(() => transcriber.checkMedia({ ...media, ...extra }));
      expect(check({ format: 'ogg', codec: 'Opus' })).toBe('accepted');
      expect(check({ format: 'webm', codec: 'OPUS' })).toBe('accepted');
      expect(check({ format: 'ogg', codec: 'Vorbis I' })).toBe('415 INVALID_FILE_FORMAT');
      expect(check({ format: 'ogg', codec: 'FLAC' })).toBe('415 INVALID_FILE_FORMAT');
      expect(check({ format: 'webm', codec: null })).toBe('415 INVALID_FILE_FORMAT');
      expect(check({ channels: 2 })).toBe('accepted');
      expect(check({ channels: 6 })).toBe('415 INVALID_FILE_FORMAT');
      expect(check({ size: 2 * 1024 ** 3 + 1 })).toBe('413 FILE_TOO_LARGE');
    });

    it('auto with language_options and a vocabulary sends LanguageIdSettings; short audio without options gets a warning', async () => {
      transcribeMock.on(StartTranscriptionJobCommand).resolves({});
      transcribeMock.on(GetTranscriptionJobCommand).resolves(jobResponse('get-transcription-job-completed.json'));
      s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(fixture('transcript-identified.json')) });
      const withOptions = await run({
        language_code: 'auto',
        vocabulary_name: 'shop-terms',
        language_options: ['en-US', 'es-US'],
      });
      const start = transcribeMock.commandCalls(StartTranscriptionJobCommand)[0].args[0].input;
      expect(start).toMatchObject({
        IdentifyLanguage: true,
        LanguageOptions: ['en-US', 'es-US'],
        LanguageIdSettings: { 'en-US': { VocabularyName: 'shop-terms' }, 'es-US': { VocabularyName: 'shop-terms' } },
      });
      expect(start.Settings?.VocabularyName).toBeUndefined();
      expect(withOptions.warnings).toBeUndefined();

      const bare = await run({ language_code: 'auto' });
      expect(bare.warnings).toEqual([expect.stringContaining('about 30 s of speech')]);
    });

    it('readiness does not claim Transcribe can read a non-AWS S3 endpoint', async () => {
      const onRadosgw = new AwsTranscriber(new TranscribeClient({}), new S3Client({}), config, storage, {
        s3Endpoint: 'http://127.0.0.1:7480',
        s3EndpointIsAws: false,
      });
      await expect(onRadosgw.readiness()).resolves.toMatchObject({
        ready: false,
        reason: expect.stringContaining('127.0.0.1:7480'),
      });
      const onAws = new AwsTranscriber(new TranscribeClient({}), new S3Client({}), config, storage, {
        s3Endpoint: 'https://s3.eu-west-1.amazonaws.com',
        s3EndpointIsAws: false,
      });
      await expect(onAws.readiness()).resolves.toMatchObject({ ready: true });
      const behindProxy = new AwsTranscriber(new TranscribeClient({}), new S3Client({}), config, storage, {
        s3Endpoint: 'http://s3-proxy.internal:8080',
        s3EndpointIsAws: true,
      });
      await expect(behindProxy.readiness()).resolves.toMatchObject({ ready: true });
    });
  });

  it('is not ready (and refuses) without S3 storage', async () => {
    const local = new AwsTranscriber(new TranscribeClient({}), null, config, { ...storage, driver: 'local' });
    await expect(local.readiness()).resolves.toMatchObject({
      ready: false,
      reason: expect.stringContaining('STORAGE_DRIVER=s3'),
    });
    await expect(
      local.transcribe({
        jobId: JOB_ID,
        media,
        options: { language_code: 'en-US', output_format: 'json' },
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });
});
