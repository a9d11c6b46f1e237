import { HttpStatus } from '@nestjs/common';
import { analysisResult } from '../../test/factories/analysis.factory';
import { mediaBatchInput, mediaInput } from '../../test/factories/media-input.factory';
import { imageRecord } from '../../test/factories/media-record.factory';
import { controllerUnderTest } from '../../test/support/controller-under-test';
import { fakeResponse } from '../../test/support/fake-response';
import { strictMock } from '../../test/support/strict-mock';
import type { AnalysisOptionsDto } from './dto/analyze-image.dto';
import { ImageAnalysisRequests } from './image-analysis-requests.service';
import { ImageAnalysisController } from './image-analysis.controller';
import { BatchResult, ImageAnalysisService } from './image-analysis.service';

const ID = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';

async function setUp() {
  const requests = strictMock<ImageAnalysisRequests>('ImageAnalysisRequests');
  const analyses = strictMock<ImageAnalysisService>('ImageAnalysisService');
  const controller = await controllerUnderTest(ImageAnalysisController, [
    { provide: ImageAnalysisRequests, useValue: requests },
    { provide: ImageAnalysisService, useValue: analyses },
  ]);
  return { controller, requests, analyses };
}

const batch = (status: BatchResult['status']): BatchResult => ({
  batch_id: ID,
  status,
  total: 1,
  succeeded: 0,
  failed: 0,
  items: [],
  processing_time: 0,
  created_at: '2026-12-01T10:15:31.000Z',
});

describe('ImageAnalysisController (its services mocked)', () => {
  it('analyze passes the intake to one service call and returns the analysis', async () => {
    const { controller, requests } = await setUp();
    const input = mediaInput<AnalysisOptionsDto>({ max_labels: 5 }, imageRecord());
    const result = analysisResult();
    requests.analyze.mockResolvedValue(result);
    await expect(controller.analyze(input)).resolves.toBe(result);
    expect(requests.analyze).toHaveBeenCalledTimes(1);
    expect(requests.analyze).toHaveBeenCalledWith(input);
  });

  it('batch answers the status and Location the service decided (202 while running)', async () => {
    const { controller, requests } = await setUp();
    const input = mediaBatchInput<AnalysisOptionsDto>({}, [{ media: imageRecord() }]);
    const running = batch('in_progress');
    requests.analyzeBatch.mockResolvedValue({
      status: HttpStatus.ACCEPTED,
      headers: { Location: `/api/v1/analyze-image/batch/${ID}` },
      body: running,
    });
    const res = fakeResponse();
    await expect(controller.batch(input, 0, res)).resolves.toBe(running);
    expect(requests.analyzeBatch).toHaveBeenCalledWith(input, 0);
    expect([res.statusCode, res.headers.Location]).toEqual([202, `/api/v1/analyze-image/batch/${ID}`]);
  });

  it('reads go to ImageAnalysisService once with the id (and wait)', async () => {
    const { controller, analyses } = await setUp();
    const result = analysisResult({ analysis_id: ID });
    analyses.get.mockResolvedValue(result);
    analyses.getBatch.mockResolvedValue(batch('completed'));
    await expect(controller.get(ID)).resolves.toBe(result);
    await expect(controller.getBatch(ID, 3)).resolves.toMatchObject({ status: 'completed' });
    expect(analyses.get).toHaveBeenCalledWith(ID);
    expect(analyses.getBatch).toHaveBeenCalledWith(ID, 3);
  });

  it('annotated answers the image with its type and a private cache header', async () => {
    const { controller, requests } = await setUp();
    requests.annotated.mockResolvedValue({ body: Buffer.from('png'), contentType: 'image/png' });
    const res = fakeResponse();
    const file = await controller.annotated(ID, res);
    expect(file.getHeaders().type).toBe('image/png');
    expect(res.headers['Cache-Control']).toBe('private, max-age=300');
    expect(requests.annotated).toHaveBeenCalledTimes(1);
  });
});
