import { HttpStatus } from '@nestjs/common';
import { mediaBatchInput, mediaInput } from '../../test/factories/media-input.factory';
import { controllerUnderTest } from '../../test/support/controller-under-test';
import { fakeResponse } from '../../test/support/fake-response';
import { strictMock } from '../../test/support/strict-mock';
import type { TranscriptionOptionsDto } from './dto/transcription.dto';
import { TranscriptionRequests } from './transcription-requests.service';
import { TranscriptionController } from './transcription.controller';

const JOB_ID = '3f9a2b1c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

async function setUp() {
  const requests = strictMock<TranscriptionRequests>('TranscriptionRequests');
  const controller = await controllerUnderTest(TranscriptionController, [
    { provide: TranscriptionRequests, useValue: requests },
  ]);
  return { controller, requests };
}

describe('TranscriptionController (TranscriptionRequests mocked)', () => {
  it('submit hands the intake and the wait to one service call and answers its status and Location', async () => {
    const { controller, requests } = await setUp();
    const input = mediaInput<TranscriptionOptionsDto>({ language_code: 'en-US' });
    const body = { transcription_id: JOB_ID, status: 'queued', created_at: 'now', media_id: input.media.media_id };
    requests.submit.mockResolvedValue({
      status: HttpStatus.ACCEPTED,
      headers: { Location: `/api/v1/transcribe/${JOB_ID}` },
      body,
    });
    const res = fakeResponse();
    await expect(controller.submit(input, 5, res)).resolves.toBe(body);
    expect(requests.submit).toHaveBeenCalledTimes(1);
    expect(requests.submit).toHaveBeenCalledWith(input, 5);
    expect(res.statusCode).toBe(202);
    expect(res.headers).toEqual({ Location: `/api/v1/transcribe/${JOB_ID}` });
  });

  it('a text rendering goes back as the string the service rendered, with its Content-Type', async () => {
    const { controller, requests } = await setUp();
    requests.job.mockResolvedValue({
      status: HttpStatus.OK,
      headers: { 'Content-Type': 'text/vtt; charset=utf-8' },
      body: 'WEBVTT\n',
    });
    const res = fakeResponse();
    await expect(controller.getJob(JOB_ID, 'vtt', 0, res)).resolves.toBe('WEBVTT\n');
    expect(requests.job).toHaveBeenCalledTimes(1);
    expect(requests.job).toHaveBeenCalledWith(JOB_ID, 'vtt', 0);
    expect(res.headers['Content-Type']).toBe('text/vtt; charset=utf-8');
  });

  it('submitBatch passes every item, refused ones included, and answers 202 with the batch Location', async () => {
    const { controller, requests } = await setUp();
    const input = mediaBatchInput<TranscriptionOptionsDto>({ output_format: 'json' }, [{ filename: 'a.wav' }, {}]);
    const body = { batch_id: JOB_ID, jobs: [] };
    requests.submitBatch.mockResolvedValue({
      status: HttpStatus.ACCEPTED,
      headers: { Location: `/api/v1/transcribe/batch/${JOB_ID}` },
      body,
    });
    const res = fakeResponse();
    await expect(controller.submitBatch(input, res)).resolves.toBe(body);
    expect(requests.submitBatch).toHaveBeenCalledTimes(1);
    expect(requests.submitBatch).toHaveBeenCalledWith(input);
    expect([res.statusCode, res.headers.Location]).toEqual([202, `/api/v1/transcribe/batch/${JOB_ID}`]);
  });

  it('getBatch is the service answer as it is', async () => {
    const { controller, requests } = await setUp();
    const status = { batch_id: JOB_ID, created_at: 'now', jobs: [], counts: { total: 0 } };
    requests.batch.mockResolvedValue(status);
    await expect(controller.getBatch(JOB_ID)).resolves.toBe(status);
    expect(requests.batch).toHaveBeenCalledWith(JOB_ID);
  });

  it('a service refusal reaches the caller unchanged (the filter renders it)', async () => {
    const { controller, requests } = await setUp();
    const refusal = new Error('engine down');
    requests.submit.mockRejectedValue(refusal);
    await expect(controller.submit(mediaInput({}), 0, fakeResponse())).rejects.toBe(refusal);
  });
});
