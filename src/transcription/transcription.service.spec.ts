import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { completedJob, transcriptResult } from '../../test/factories/transcription-job.factory';
import { mediaRecord } from '../../test/factories/media-record.factory';
import { strictMock } from '../../test/support/strict-mock';
import { CallerContext, runAsCaller } from '../auth/caller-context';
import {
  queueConfig,
  QueueConfig,
  securityConfig,
  SecurityConfig,
  transcriptionConfig,
  TranscriptionConfig,
} from '../config/configuration';
import { ReadinessRegistry } from '../health/readiness.registry';
import { MediaService } from '../media/media.service';
import { CallbackUrlPolicy } from '../security/callbacks/callback-url.policy';
import { CallbackNotifier } from './callbacks/callback.notifier';
import { JOB_QUEUE, JobQueue } from './jobs/job-queue';
import { TranscriptionJobRepository } from './jobs/transcription-job.repository';
import { TRANSCRIBER, Transcriber } from './providers/transcriber.port';
import { TranscriptionService } from './transcription.service';
import type { TranscriptionJob } from './transcription.types';

const config = {
  languageCode: 'en-US',
  minDurationSeconds: 0.5,
  maxDurationSeconds: 14_400,
  maxWaitSeconds: 60,
} as TranscriptionConfig;
const security = { auth: { mode: 'jwt' }, cacheScope: 'owner' } as SecurityConfig;
const asAlice = <T>(work: () => T) => runAsCaller({ owner: 'alice', scopes: [], authenticated: true }, work);
const options = { language_code: 'en-US', output_format: 'json' } as const;

async function setUp(role: QueueConfig['role'] = 'all') {
  const transcriber = strictMock<Transcriber>('Transcriber', {
    name: 'local',
    languages: ['en-US'],
    identifiesLanguage: false,
    checkMedia: undefined,
    resultVariant: undefined,
    checkOptions: undefined,
  });
  const queue = strictMock<JobQueue>('JobQueue', { shared: false, ping: undefined, counts: undefined });
  queue.process.mockReturnValue();
  const jobs = strictMock<TranscriptionJobRepository>('TranscriptionJobRepository');
  const media = strictMock<MediaService>('MediaService');
  const moduleRef = await Test.createTestingModule({
    providers: [
      TranscriptionService,
      CallerContext,
      ReadinessRegistry,
      { provide: TRANSCRIBER, useValue: transcriber },
      { provide: JOB_QUEUE, useValue: queue },
      { provide: TranscriptionJobRepository, useValue: jobs },
      { provide: MediaService, useValue: media },
      { provide: CallbackNotifier, useValue: strictMock<CallbackNotifier>('CallbackNotifier') },
      { provide: CallbackUrlPolicy, useValue: strictMock<CallbackUrlPolicy>('CallbackUrlPolicy') },
      { provide: transcriptionConfig.KEY, useValue: config },
      { provide: queueConfig.KEY, useValue: { role } as QueueConfig },
      { provide: securityConfig.KEY, useValue: security },
    ],
  }).compile();
  return { service: moduleRef.get(TranscriptionService), transcriber, queue, jobs, media };
}

describe('TranscriptionService (ports mocked)', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it("an engine that cannot run is a 503 ENGINE_UNAVAILABLE with the adapter's own reason", async () => {
    const { service, transcriber } = await setUp();
    const reason = 'The offline speech engine is not installed: install the Debian packages ffmpeg';
    transcriber.readiness.mockResolvedValue({ ready: false, reason, missing: ['ffmpeg'] });
    await expect(service.assertAvailable()).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      status: 503,
      message: reason,
      details: expect.objectContaining({ missing: ['ffmpeg'] }),
    });
  });

  it('an api process never asks its own engine (the workers check theirs)', async () => {
    const { service } = await setUp('api');
    await expect(service.assertAvailable()).resolves.toBeUndefined();
  });

  it('submit: a miss writes the unfinished entry before the job record, then queues it', async () => {
    const { service, jobs, queue } = await setUp();
    const order: string[] = [];
    jobs.getCached.mockResolvedValue(null);
    jobs.saveUnfinished.mockImplementation(async () => void order.push('unfinished'));
    jobs.saveJob.mockImplementation(async () => void order.push('job'));
    queue.enqueue.mockImplementation(async () => void order.push('enqueue'));
    const media = mediaRecord({ owner: 'alice' });
    const job = await asAlice(() => service.submit({ media, options }));
    expect(order).toEqual(['unfinished', 'job', 'enqueue']);
    expect(job).toMatchObject({ status: 'queued', owner: 'alice', media_id: media.media_id, provider: 'local' });
    expect(queue.enqueue).toHaveBeenCalledWith(job.transcription_id);
  });

  it('submit: a cached result completes the job at once and queues nothing', async () => {
    const { service, jobs } = await setUp();
    const result = transcriptResult({ transcript: 'a twenty seven inch monitor' });
    jobs.getCached.mockResolvedValue({ transcription_id: 'earlier', created_at: '2026-11-25T21:00:00Z', result });
    let saved: TranscriptionJob | undefined;
    jobs.saveJob.mockImplementation(async (job) => void (saved = job));
    const job = await asAlice(() => service.submit({ media: mediaRecord({ owner: 'alice' }), options }));
    expect(job).toMatchObject({ status: 'completed', progress: 100, cached: true, result });
    expect(saved).toEqual(job);
  });

  it('submit: with the queue away the job is not kept (503 QUEUE_UNAVAILABLE, record and entry deleted)', async () => {
    const { service, jobs, queue } = await setUp();
    jobs.getCached.mockResolvedValue(null);
    jobs.saveUnfinished.mockResolvedValue();
    jobs.saveJob.mockResolvedValue();
    queue.enqueue.mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    jobs.deleteJob.mockResolvedValue();
    jobs.deleteUnfinished.mockResolvedValue();
    await expect(
      asAlice(() => service.submit({ media: mediaRecord({ owner: 'alice' }), options })),
    ).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE', status: 503 });
    const id = jobs.saveJob.mock.calls[0][0].transcription_id;
    expect(jobs.deleteJob).toHaveBeenCalledWith(id);
    expect(jobs.deleteUnfinished).toHaveBeenCalledWith(id);
  });

  it('submit: audio outside the accepted durations is refused (422) before any record is written', async () => {
    const { service } = await setUp();
    await expect(
      asAlice(() => service.submit({ media: mediaRecord({ owner: 'alice', duration: 0.2 }), options })),
    ).rejects.toMatchObject({ code: 'INVALID_FILE', status: 422, details: { reason: 'too short' } });
  });

  it("get: a malformed id is a 404 that never reaches the store; another owner's job is a 404 too", async () => {
    const { service, jobs } = await setUp();
    await expect(asAlice(() => service.get('not-a-uuid'))).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    const job = completedJob({ owner: 'bob' });
    jobs.getJob.calledWith(job.transcription_id).mockResolvedValue(job);
    await expect(asAlice(() => service.get(job.transcription_id))).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(
      runAsCaller({ owner: 'bob', scopes: [], authenticated: true }, () => service.get(job.transcription_id)),
    ).resolves.toEqual(job);
  });
});
