import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DetectFacesCommand,
  DetectLabelsCommand,
  DetectModerationLabelsCommand,
  DetectTextCommand,
  RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { GetTranscriptionJobCommand, StartTranscriptionJobCommand, TranscribeClient } from '@aws-sdk/client-transcribe';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  detectFacesResponse,
  detectLabelsResponse,
  detectModerationResponse,
  detectTextResponse,
} from '../src/image-analysis/aws/__fixtures__/rekognition-responses';
import { DEFAULT_AWS_PRICES } from '../src/metrics/aws-prices';
import { driverEnv, s3Client, s3Settings } from './support/media-env';
import { RequestRecorder, requestRecorder, until } from './support/loopback';
import { Exposition, parsePrometheusText } from './support/prometheus';
import { createTestApp, TestApp } from './support/test-app';
import { wavHeader } from './support/wav';

const API = '/api/v1';
const AUDIO = join(__dirname, 'fixtures', 'audio');
const IMAGES = join(__dirname, 'fixtures', 'images');
const P = 'media_service_';

/** A 16 kHz mono WAV of a 440 Hz tone, `seconds` long. */
function wavFile(seconds: number): Buffer {
  const samples = Math.round(seconds * 16_000);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16_000)), i * 2);
  return Buffer.concat([wavHeader(pcm.length), pcm]);
}

async function scrape(t: TestApp, token?: string): Promise<Exposition> {
  const req = t.http.get('/metrics');
  if (token) void req.set('Authorization', `Bearer ${token}`);
  const res = await req.expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain;/);
  expect(res.headers['content-type']).toMatch(/version=0\.0\.4/);
  return parsePrometheusText(res.text);
}

/** How much each asked series moved between two scrapes. */
function delta(before: Exposition, after: Exposition, name: string, labels: Record<string, string> = {}): number {
  return after.value(name, labels) - before.value(name, labels);
}

describe('metrics: GET /metrics on the local engines', () => {
  let t: TestApp;
  let hook: RequestRecorder;

  beforeAll(async () => {
    hook = await requestRecorder({ status: 204 });
    t = await createTestApp({
      env: {
        TRANSCRIBE_PROVIDER: 'local',
        IMAGE_ANALYSIS_PROVIDER: 'local',
        IMAGE_ANALYSIS_PRELOAD: 'false',
        IMAGE_ANALYSIS_WORKERS: '1',
        IMAGE_OCR_WORKERS: '1',
        CALLBACK_RETRY_BASE_MS: '50',
        // The callback receiver listens on loopback, which callbacks reach only when allowed.
        CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  it('is Prometheus text with the process metrics, every media_service_ family and the price table', async () => {
    const m = await scrape(t);
    expect(m.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(m.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    const families: Record<string, string> = {
      http_request_duration_seconds: 'histogram',
      operations_total: 'counter',
      operation_duration_seconds: 'histogram',
      file_size_bytes: 'histogram',
      audio_duration_seconds: 'histogram',
      queue_jobs: 'gauge',
      cache_requests_total: 'counter',
      engine_ready: 'gauge',
      callback_deliveries_total: 'counter',
      aws_cost_usd_total: 'counter',
      aws_cost_avoided_usd_total: 'counter',
    };
    for (const [name, type] of Object.entries(families)) expect(m.types.get(`${P}${name}`)).toBe(type);
    expect(m.series(`${P}aws_price_table_info`)).toEqual([
      {
        name: `${P}aws_price_table_info`,
        labels: { region: 'us-west-2', read_on: DEFAULT_AWS_PRICES.read_on },
        value: 1,
      },
    ]);
    expect(m.value(`${P}queue_jobs`, { queue: 'transcription', state: 'queued' })).toBe(0);
    expect(
      m
        .series(`${P}engine_ready`)
        .map((s) => s.labels.engine)
        .sort(),
    ).toEqual(['auth', 'image_analysis', 'malware_scanner', 'transcription']);
  });

  it('an upload, a metadata read and a bad upload move the right series, labelled by route template', async () => {
    const before = await scrape(t);
    const wav = readFileSync(join(AUDIO, 'cart.wav'));
    const up = await t.http.post(`${API}/upload`).attach('file', wav, 'cart.wav').expect(201);
    await t.http.get(`${API}/media/${up.body.media_id}`).expect(200);
    await t.http.post(`${API}/upload`).attach('file', Buffer.from('not a media file at all'), 'x.wav').expect(415);
    await t.http.get(`${API}/no/such/route/${up.body.media_id}`).expect(404);
    const after = await scrape(t);

    expect(delta(before, after, `${P}file_size_bytes_count`, { media_type: 'audio' })).toBe(1);
    expect(delta(before, after, `${P}file_size_bytes_sum`, { media_type: 'audio' })).toBe(wav.length);
    const upload = { operation: 'upload', provider: 'local' };
    expect(delta(before, after, `${P}operations_total`, { ...upload, outcome: 'success' })).toBe(1);
    expect(delta(before, after, `${P}operations_total`, { ...upload, outcome: 'client_error' })).toBe(1);
    expect(delta(before, after, `${P}operation_duration_seconds_count`, { ...upload, outcome: 'success' })).toBe(1);

    const http = (route: string, status: string, method = 'POST') =>
      delta(before, after, `${P}http_request_duration_seconds_count`, { method, route, status });
    expect(http(`/${API.slice(1)}/upload`, '201')).toBe(1);
    expect(http(`/${API.slice(1)}/upload`, '415')).toBe(1);
    expect(http(`/${API.slice(1)}/media/:media_id`, '200', 'GET')).toBe(1);
    expect(http('unmatched', '404', 'GET')).toBe(1);
    // No label anywhere carries a raw id.
    for (const sample of after.samples) {
      for (const value of Object.values(sample.labels)) expect(value).not.toContain(up.body.media_id);
    }
  });

  it('a local analysis counts per type, misses then hits the cache, and prices the Rekognition calls it avoided', async () => {
    const before = await scrape(t);
    const photo = readFileSync(join(IMAGES, 'cat.jpg'));
    const ask = () =>
      t.http.post(`${API}/analyze-image`).field('analysis_types', 'labels,colors').attach('file', photo, 'cat.jpg');
    expect((await ask().expect(200)).body.cached).toBe(false);
    expect((await ask().expect(200)).body.cached).toBe(true);
    await t.http.post(`${API}/analyze-image`).field('analysis_types', 'colors').expect(400);
    const after = await scrape(t);

    for (const type of ['labels', 'colors']) {
      const labels = { operation: `analyze_image:${type}`, provider: 'local', outcome: 'success' };
      expect(delta(before, after, `${P}operations_total`, labels)).toBe(2);
    }
    expect(delta(before, after, `${P}cache_requests_total`, { cache: 'image_analysis', result: 'miss' })).toBe(1);
    expect(delta(before, after, `${P}cache_requests_total`, { cache: 'image_analysis', result: 'hit' })).toBe(1);
    // One image through DetectLabels, once (the hit costs nothing); colours are local for every provider.
    const avoided = { service: 'rekognition', operation: 'DetectLabels' };
    expect(delta(before, after, `${P}aws_cost_avoided_usd_total`, avoided)).toBeCloseTo(
      DEFAULT_AWS_PRICES.rekognition.per_image.DetectLabels,
      12,
    );
    expect(delta(before, after, `${P}aws_cost_usd_total`)).toBe(0);
    expect(
      delta(before, after, `${P}http_request_duration_seconds_count`, {
        route: '/api/v1/analyze-image',
        status: '400',
      }),
    ).toBe(1);
  });

  it('a local transcription records its audio length, the Transcribe cost avoided (15 s minimum) and its callback', async () => {
    const before = await scrape(t);
    const wav = readFileSync(join(AUDIO, 'monitor.wav'));
    const res = await t.http
      .post(`${API}/transcribe?wait=60`)
      .field('callback_url', `${hook.url}/hook`)
      .attach('file', wav, 'monitor.wav')
      .expect(200);
    expect(res.body.status).toBe('completed');
    const duration = res.body.duration as number;
    expect(duration).toBeGreaterThan(1);
    expect(duration).toBeLessThan(15);
    await until(() => (hook.calls.length ? true : undefined), 10_000, 25);
    const after = await scrape(t);

    expect(delta(before, after, `${P}audio_duration_seconds_count`, { provider: 'local' })).toBe(1);
    expect(delta(before, after, `${P}audio_duration_seconds_sum`, { provider: 'local' })).toBeCloseTo(duration, 6);
    expect(
      delta(before, after, `${P}operations_total`, { operation: 'transcribe', provider: 'local', outcome: 'success' }),
    ).toBe(1);
    expect(delta(before, after, `${P}cache_requests_total`, { cache: 'transcription', result: 'miss' })).toBe(1);
    // Shorter than the minimum: AWS would have billed 15 s.
    const avoided = delta(before, after, `${P}aws_cost_avoided_usd_total`, { service: 'transcribe' });
    expect(avoided).toBeCloseTo(15 * DEFAULT_AWS_PRICES.transcribe.per_second, 12);
    expect(delta(before, after, `${P}callback_deliveries_total`, { outcome: 'delivered' })).toBe(1);
  });
});

describe('metrics: METRICS_TOKEN and METRICS_ENABLED', () => {
  it('with METRICS_TOKEN the scrape needs that bearer token', async () => {
    const t = await createTestApp({
      env: { METRICS_TOKEN: 'scrape-token-0123456789', IMAGE_ANALYSIS_PRELOAD: 'false' },
    });
    try {
      const none = await t.http.get('/metrics').expect(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      await t.http.get('/metrics').set('Authorization', 'Bearer scrape-token-wrong-000000').expect(401);
      await t.http.get('/metrics').set('Authorization', 'Basic scrape-token-0123456789').expect(401);
      await scrape(t, 'scrape-token-0123456789');
      // The API itself is not behind the token.
      await t.http.get('/health').expect(200);
    } finally {
      await t.close();
    }
  });

  it('with METRICS_ENABLED=false there is no /metrics', async () => {
    const t = await createTestApp({ env: { METRICS_ENABLED: 'false', IMAGE_ANALYSIS_PRELOAD: 'false' } });
    try {
      expect((await t.http.get('/metrics').expect(404)).body.error.code).toBe('NOT_FOUND');
    } finally {
      await t.close();
    }
  });
});

describe('AWS cost: Rekognition and Transcribe (SDK mocked at the client), S3 on radosgw', () => {
  const rekognition = mockClient(RekognitionClient);
  const transcribe = mockClient(TranscribeClient);
  const tableDir = mkdtempSync(join(tmpdir(), 'price-table-'));
  // Round prices so that the expected figures are plain arithmetic.
  const table = {
    region: 'us-east-1',
    read_on: '2026-12-01',
    transcribe: { per_second: 0.001, minimum_seconds: 15 },
    rekognition: {
      per_image: { DetectLabels: 0.002, DetectText: 0.003, DetectFaces: 0.004, DetectModerationLabels: 0.005 },
      default_per_image: 0.001,
    },
    s3: { write_per_request: 0.00001, read_per_request: 0.000001 },
  };
  const tablePath = join(tableDir, 'prices.json');
  writeFileSync(tablePath, JSON.stringify(table));
  let t: TestApp;
  let prefix: string;

  beforeAll(async () => {
    const env = driverEnv('s3', {
      IMAGE_ANALYSIS_PROVIDER: 'aws',
      TRANSCRIBE_PROVIDER: 'aws',
      // radosgw stands in for the AWS bucket that Transcribe (mocked at the client) reads.
      S3_ENDPOINT_IS_AWS: 'true',
      TRANSCRIBE_POLL_INTERVAL_MS: '100',
      AWS_PRICE_TABLE: tablePath,
    });
    prefix = env.S3_PREFIX;
    t = await createTestApp({ env });
  });
  afterAll(async () => {
    await t?.close();
    rekognition.restore();
    transcribe.restore();
    rmSync(tableDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    rekognition.reset();
    transcribe.reset();
  });

  it('uses the table from AWS_PRICE_TABLE', async () => {
    const m = await scrape(t);
    expect(m.series(`${P}aws_price_table_info`)[0].labels).toEqual({ region: 'us-east-1', read_on: '2026-12-01' });
  });

  it('bills each Rekognition API once per image analysed, nothing for a cache hit', async () => {
    rekognition.on(DetectLabelsCommand).resolves(detectLabelsResponse);
    rekognition.on(DetectTextCommand).resolves(detectTextResponse);
    rekognition.on(DetectFacesCommand).resolves(detectFacesResponse);
    rekognition.on(DetectModerationLabelsCommand).resolves(detectModerationResponse);
    const before = await scrape(t);
    const photo = readFileSync(join(IMAGES, 'coffee.jpg'));
    const ask = () =>
      t.http
        .post(`${API}/analyze-image`)
        .field('analysis_types', 'labels,objects,text,faces,moderation')
        .attach('file', photo, 'coffee.jpg')
        .expect(200);
    await ask();
    await ask();
    const after = await scrape(t);
    for (const [api, price] of Object.entries(table.rekognition.per_image)) {
      expect(delta(before, after, `${P}aws_cost_usd_total`, { service: 'rekognition', operation: api })).toBeCloseTo(
        price,
        12,
      );
      expect(
        delta(before, after, `${P}aws_requests_total`, { service: 'rekognition', operation: api, outcome: 'success' }),
      ).toBe(1);
    }
    expect(
      delta(before, after, `${P}operations_total`, {
        operation: 'analyze_image:labels',
        provider: 'aws',
        outcome: 'success',
      }),
    ).toBe(2);
    expect(delta(before, after, `${P}aws_cost_avoided_usd_total`)).toBe(0);
  });

  it('a refused image costs nothing and counts as a client error', async () => {
    rekognition
      .on(DetectTextCommand)
      .rejects(Object.assign(new Error('bad image'), { name: 'InvalidImageFormatException', $fault: 'client' }));
    const before = await scrape(t);
    await t.http
      .post(`${API}/analyze-image`)
      .field('analysis_types', 'text')
      .attach('file', readFileSync(join(IMAGES, 'rocket.jpg')), 'r.jpg')
      .expect(400);
    const after = await scrape(t);
    expect(
      delta(before, after, `${P}aws_requests_total`, {
        service: 'rekognition',
        operation: 'DetectText',
        outcome: 'client_error',
      }),
    ).toBe(1);
    expect(delta(before, after, `${P}aws_cost_usd_total`, { service: 'rekognition' })).toBe(0);
    expect(
      delta(before, after, `${P}operations_total`, {
        operation: 'analyze_image:text',
        provider: 'aws',
        outcome: 'client_error',
      }),
    ).toBe(1);
  });

  it('bills Transcribe per second of audio with its 15 s minimum, and S3 per request as counted', async () => {
    const s3 = s3Client();
    const { bucket } = s3Settings();
    // Transcribe writes the transcript where the job says; the fake does it when the job starts.
    transcribe.on(StartTranscriptionJobCommand).callsFake(async (input: { OutputKey: string }) => {
      const transcript = { results: { transcripts: [{ transcript: 'hello' }], items: [] } };
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: input.OutputKey, Body: JSON.stringify(transcript) }));
      return {};
    });
    transcribe.on(GetTranscriptionJobCommand).resolves({
      TranscriptionJob: { TranscriptionJobStatus: 'COMPLETED', LanguageCode: 'en-US' },
    });
    const before = await scrape(t);
    const seconds = [21.5, 4];
    for (const length of seconds) {
      const wav = wavFile(length);
      const res = await t.http.post(`${API}/transcribe?wait=30`).attach('file', wav, `${length}.wav`).expect(200);
      expect(res.body).toMatchObject({ status: 'completed', duration: length });
    }
    const after = await scrape(t);
    // 22 s (whole seconds, rounded up) and the 15 s minimum for the 4 s file.
    const billed = delta(before, after, `${P}aws_cost_usd_total`, {
      service: 'transcribe',
      operation: 'StartTranscriptionJob',
    });
    expect(billed).toBeCloseTo((22 + 15) * table.transcribe.per_second, 12);
    expect(delta(before, after, `${P}audio_duration_seconds_sum`, { provider: 'aws' })).toBeCloseTo(25.5, 6);
    expect(
      delta(before, after, `${P}aws_requests_total`, {
        service: 'transcribe',
        operation: 'StartTranscriptionJob',
        outcome: 'success',
      }),
    ).toBe(2);

    // S3: every request the service sent, at its class's price (DELETE free, writes vs reads).
    const writes = new Set([
      'PutObject',
      'CreateMultipartUpload',
      'UploadPart',
      'CompleteMultipartUpload',
      'CopyObject',
      'ListObjectsV2',
    ]);
    let expected = 0;
    let requests = 0;
    for (const sample of after.series(`${P}aws_requests_total`)) {
      if (sample.labels.service !== 's3' || sample.labels.outcome === 'failed') continue;
      const moved = sample.value - before.value(`${P}aws_requests_total`, sample.labels);
      const op = sample.labels.operation;
      requests += moved;
      if (op.startsWith('Delete')) continue;
      expected += moved * (writes.has(op) ? table.s3.write_per_request : table.s3.read_per_request);
    }
    expect(requests).toBeGreaterThanOrEqual(4); // audio + records + transcripts at least
    expect(delta(before, after, `${P}aws_cost_usd_total`, { service: 's3' })).toBeCloseTo(expected, 12);
    expect(prefix).toMatch(/^test-/);
  });

  it('refuses to start with an invalid AWS_PRICE_TABLE, naming the field', async () => {
    const bad = join(tableDir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...table, transcribe: { per_second: -1, minimum_seconds: 15 } }));
    await expect(createTestApp({ env: { AWS_PRICE_TABLE: bad, IMAGE_ANALYSIS_PRELOAD: 'false' } })).rejects.toThrow(
      /AWS_PRICE_TABLE .*bad\.json: transcribe\.per_second must be a number >= 0/,
    );
  });
});
