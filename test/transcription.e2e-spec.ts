import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBJECT_STORE, ObjectStore } from '../src/storage/object-store';
import { driverEnv } from './support/media-env';
import { parseSrt, parseVtt } from './support/subtitles';
import { audio, repeatedWav, SENTENCES } from './support/speech-fixtures';
import { createTestApp, TestApp } from './support/test-app';
import { wordErrorRate } from './support/wer';

const FORMATS = ['wav', 'mp3', 'flac', 'ogg', 'm4a', 'webm'];
// Three sentences in six formats keeps the suite quick on 2 cores; all six sentences gave the same
// picture (every file <= 14%, means 2-4% per format) when screened.
const WER_SENTENCES = ['monitor', 'keyboard', 'cart'];
const SECRET = 'transcription-callback-secret';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Words must come in order: each starts no earlier than the previous, and ends after it starts. */
function expectOrderedWords(words: Json[]): void {
  for (const [index, word] of words.entries()) {
    expect(word.end_time).toBeGreaterThanOrEqual(word.start_time);
    expect(word.confidence).toBeGreaterThanOrEqual(0);
    expect(word.confidence).toBeLessThanOrEqual(1);
    if (index > 0) expect(word.start_time).toBeGreaterThanOrEqual(words[index - 1].end_time - 0.011);
    if (index > 0) expect(word.start_time).toBeGreaterThan(words[index - 1].start_time);
  }
}

describe('transcription (local engine, real audio)', () => {
  let t: TestApp;
  const werTable: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        TRANSCRIBE_PROVIDER: 'local',
        TRANSCRIBE_CONCURRENCY: '2',
        TRANSCRIBE_BATCH_MAX: '3',
        TRANSCRIBE_MAX_WAIT: '60',
        CALLBACK_SIGNING_SECRET: SECRET,
        CALLBACK_RETRY_BASE_MS: '50',
        CALLBACK_MAX_ATTEMPTS: '3',
        CALLBACK_TIMEOUT_MS: '2000',
        // The test receivers listen on loopback, which callbacks may not reach unless allowed.
        CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    const rows = Object.entries(werTable).map(
      ([format, bySentence]) =>
        `${format.padEnd(5)} ${Object.values(bySentence)
          .map((w) => `${Math.round(w * 100)}%`.padStart(5))
          .join(
            ' ',
          )}  mean ${Math.round((Object.values(bySentence).reduce((a, b) => a + b, 0) / Object.values(bySentence).length) * 100)}%`,
    );
    if (rows.length) process.stdout.write(`\nWER per format (${WER_SENTENCES.join(', ')}):\n${rows.join('\n')}\n`);
  });

  it('documents every transcription route in OpenAPI', async () => {
    const { body: doc } = await t.http.get('/docs-json').expect(200);
    const routes = Object.entries(doc.paths as Record<string, Record<string, { tags: string[] }>>)
      .filter(([path]) => path.startsWith('/api/v1/transcribe'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method} ${path} ${op.tags}`));
    expect(routes.sort()).toEqual([
      'get /api/v1/transcribe/batch/{batch_id} transcription',
      'get /api/v1/transcribe/{job_id} transcription',
      'post /api/v1/transcribe transcription',
      'post /api/v1/transcribe/batch transcription',
    ]);
    const post = doc.paths['/api/v1/transcribe'].post;
    expect(Object.keys(post.requestBody.content)).toEqual(['multipart/form-data', 'application/json']);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '415', '422', '503']));
    expect(doc.components.schemas.TranscriptionJobDto.properties).toHaveProperty('words');
  });

  it('readiness reports the engine', async () => {
    const res = await t.http.get('/health/ready').expect(200);
    expect(res.body.details.transcription).toMatchObject({ status: 'up', engine: 'pocketsphinx', provider: 'local' });
  });

  it(`transcribes ${WER_SENTENCES.length} sentences in every format with WER <= 25% and ordered word times`, async () => {
    const submitted: Array<{ id: string; format: string; sentence: string }> = [];
    for (const format of FORMATS) {
      for (const sentence of WER_SENTENCES) {
        const res = await t.http
          .post('/api/v1/transcribe')
          .attach('file', audio(`${sentence}.${format}`), `${sentence}.${format}`)
          .expect(202);
        expect(res.headers.location).toBe(`/api/v1/transcribe/${res.body.transcription_id}`);
        expect(res.body).toEqual({
          transcription_id: expect.any(String),
          status: 'queued',
          created_at: expect.any(String),
          media_id: expect.any(String),
        });
        submitted.push({ id: res.body.transcription_id, format, sentence });
      }
    }
    for (const job of submitted) {
      const res = await t.http.get(`/api/v1/transcribe/${job.id}?wait=60`).expect(200);
      const body = res.body as Json;
      expect(body).toMatchObject({
        transcription_id: job.id,
        status: 'completed',
        provider: 'local',
        language_code: 'en-US',
      });
      const wer = wordErrorRate(SENTENCES[job.sentence], body.transcript);
      (werTable[job.format] ??= {})[job.sentence] = wer;
      expect({ file: `${job.sentence}.${job.format}`, transcript: body.transcript, wer: wer <= 0.25 }).toEqual({
        file: `${job.sentence}.${job.format}`,
        transcript: body.transcript,
        wer: true,
      });
      expect(body.words.length).toBeGreaterThanOrEqual(4);
      expect(body.words.map((w: Json) => w.word).join(' ')).toBe(body.transcript);
      expectOrderedWords(body.words);
      expect(body.confidence).toBeGreaterThan(0);
      expect(body.confidence).toBeLessThanOrEqual(1);
      expect(body.duration).toBeGreaterThan(1.5);
      expect(body.duration).toBeLessThan(4);
      expect(body.words[body.words.length - 1].end_time).toBeLessThanOrEqual(body.duration + 0.05);
      expect(body.processing_time).toBeGreaterThan(0);
      expect(body.speakers).toBeUndefined();
    }
  }, 180_000);

  it('takes base64 JSON, waits, and renders srt, vtt and text that parse', async () => {
    const res = await t.http
      .post('/api/v1/transcribe?wait=60')
      .send({ audio_file: audio('jacket.wav').toString('base64'), filename: 'jacket.wav', output_format: 'srt' })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-subrip/);
    const srt = parseSrt(res.text);
    expect(srt.length).toBeGreaterThanOrEqual(1);
    expect(wordErrorRate(SENTENCES.jacket, srt.map((cue) => cue.text).join(' '))).toBeLessThanOrEqual(0.25);
    const id = res.headers.location.split('/').pop() as string;

    const json = (await t.http.get(`/api/v1/transcribe/${id}`).expect(200)).body as Json;
    expect(json.status).toBe('completed');
    expect(srt[0].start).toBeCloseTo(json.words[0].start_time, 2);
    expect(srt[srt.length - 1].end).toBeCloseTo(json.words[json.words.length - 1].end_time, 2);
    for (const cue of srt) expect(cue.end).toBeGreaterThan(cue.start);

    const vtt = await t.http.get(`/api/v1/transcribe/${id}?format=vtt`).expect(200);
    expect(vtt.headers['content-type']).toMatch(/^text\/vtt/);
    const cues = parseVtt(vtt.text);
    expect(cues.map((cue) => cue.text).join(' ')).toBe(json.transcript);

    const text = await t.http.get(`/api/v1/transcribe/${id}?format=text`).expect(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.text).toBe(`${json.transcript}\n`);
  });

  it('transcribes an uploaded media_id, then answers a repeat from the cache', async () => {
    // Audio no other test sent (the sentence twice), so the first job really runs.
    const boots = repeatedWav('leather-boots.wav', 2);
    const upload = await t.http.post('/api/v1/upload').attach('file', boots, 'boots.wav').expect(201);
    const first = await t.http
      .post('/api/v1/transcribe?wait=60')
      .send({ media_id: upload.body.media_id, language_code: 'en-US' })
      .expect(200);
    expect(first.body).toMatchObject({ status: 'completed', media_id: upload.body.media_id });
    expect(first.body.cached).toBeUndefined();
    expect(
      wordErrorRate(`${SENTENCES['leather-boots']} ${SENTENCES['leather-boots']}`, first.body.transcript),
    ).toBeLessThanOrEqual(0.25);

    // The same bytes uploaded again (another media) with the same options: cached, at once.
    const again = await t.http.post('/api/v1/transcribe').attach('file', boots, 'again.wav').expect(200);
    expect(again.body).toMatchObject({ status: 'completed', cached: true, transcript: first.body.transcript });
    expect(again.body.transcription_id).not.toBe(first.body.transcription_id);
    expect(again.body.words).toEqual(first.body.words);
    // Options that change the result are part of the key: speaker_count makes a new job.
    const other = await t.http
      .post('/api/v1/transcribe')
      .field('speaker_count', '2')
      .attach('file', boots, 'again.wav')
      .expect(202);
    const done = await t.http.get(`/api/v1/transcribe/${other.body.transcription_id}?wait=60`).expect(200);
    expect(done.body.status).toBe('completed');
    expect(done.body.cached).toBeUndefined();
    expect(done.body.warnings).toEqual([expect.stringContaining('speaker_count')]);
  });

  it('warns that telephone audio (8 kHz) is outside the local model, and still transcribes it', async () => {
    // An Asterisk prompt at 8 kHz (eval/data/speech/telephone, CC-BY-SA-3.0)
    const prompt = readFileSync(join(__dirname, '../eval/data/speech/telephone/tel-d01.flac'));
    const res = await t.http.post('/api/v1/transcribe?wait=60').attach('file', prompt, 'call.flac').expect(200);
    expect(res.body.status).toBe('completed');
    expect(res.body.warnings).toEqual([expect.stringContaining('sample_rate 8000 Hz')]);
    // a 16 kHz recording gets no such warning (the cases above); the words get the narrowband
    // curve, under 0.3 each (the wideband curves give at least 0.37): most are wrong
    const words: { confidence: number }[] = res.body.words;
    expect(words.length).toBeGreaterThan(0);
    expect(words.every((w) => w.confidence > 0 && w.confidence < 0.3)).toBe(true);
    const mean = words.reduce((sum, w) => sum + w.confidence, 0) / (words.length || 1);
    expect(res.body.confidence).toBeCloseTo(mean, 3);
  });

  it('silence and noise complete with no words', async () => {
    for (const name of ['silence-3s.wav', 'noise-3s.wav']) {
      const res = await t.http.post('/api/v1/transcribe?wait=60').attach('file', audio(name), name).expect(200);
      expect(res.body).toMatchObject({ status: 'completed', duration: 3 });
      if (name.startsWith('silence')) expect(res.body).toMatchObject({ transcript: '', words: [], confidence: 0 });
      else expect(res.body.words.length).toBeLessThanOrEqual(2);
    }
  });

  it.each([
    ['not audio', 'not-audio.wav', 415, 'INVALID_FILE_FORMAT'],
    ['a truncated mp3', 'truncated.mp3', 422, 'INVALID_FILE'],
    ['too short (0.3 s)', 'too-short-0.3s.wav', 422, 'INVALID_FILE'],
    ['too long by its header (5 h)', 'too-long-header.flac', 422, 'INVALID_FILE'],
  ])('refuses %s before any job exists', async (_name, file, status, code) => {
    const res = await t.http.post('/api/v1/transcribe').attach('file', audio(file), file).expect(status);
    expect(res.body.error.code).toBe(code);
    if (file.startsWith('too-short'))
      expect(res.body.error.details).toMatchObject({ reason: 'too short', duration: 0.3 });
    if (file.startsWith('too-long'))
      // Its header declares 5 h but the bytes stop after 3 s: refused as truncated, before any job.
      expect(res.body.error.details.reason).toMatch(/too long|truncated/);
    // Nothing was left in the store for a refused file.
    const store = t.app.get<ObjectStore>(OBJECT_STORE);
    const records: string[] = [];
    for await (const object of store.list('media/')) records.push(object.key);
    const stored = await Promise.all(
      records.filter((key) => key.endsWith('record.json')).map((key) => store.readJson<Json>(key)),
    );
    expect(stored.map((record) => record?.filename)).not.toContain(file);
  });

  it('answers bad requests with clear 4xx errors', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await t.http.get(`/api/v1/transcribe/${id}`).expect(404)).body.error.code).toBe('JOB_NOT_FOUND');
    // A malformed id is the same mistake on every id route: 400 VALIDATION_FAILED.
    expect((await t.http.get('/api/v1/transcribe/not-a-uuid').expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await t.http.get('/api/v1/transcribe/batch/x').expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    expect((await t.http.get(`/api/v1/transcribe/batch/${id}`).expect(404)).body.error.code).toBe('BATCH_NOT_FOUND');
    const bad = async (body: object, code = 'VALIDATION_FAILED', status = 400) =>
      expect((await t.http.post('/api/v1/transcribe').send(body).expect(status)).body.error.code).toBe(code);
    const b64 = audio('cart.mp3').toString('base64');
    await bad({ audio_file: b64, speaker_count: 11 });
    await bad({ audio_file: b64, output_format: 'xml' });
    await bad({ audio_file: b64, language_code: 'fr-FR' }); // the local engine is English only
    await bad({ audio_file: b64, media_id: id });
    await bad({});
    await bad({ audio_file: 'not base64!!' });
    await bad({ audio_file: b64, surprise: true });
    await bad({ media_id: id }, 'MEDIA_NOT_FOUND', 404);
    const image = await t.http
      .post('/api/v1/upload')
      .attach('file', readFileSync(join(__dirname, 'fixtures', 'media', 'photo.png')), 'p.png');
    await bad({ media_id: image.body.media_id }, 'INVALID_FILE_FORMAT', 415);
    const noFile = await t.http.post('/api/v1/transcribe').field('language_code', 'en-US').expect(400);
    expect(noFile.body.error.code).toBe('FILE_MISSING');
    const badField = await t.http
      .post('/api/v1/transcribe')
      .field('colour', 'red')
      .attach('file', audio('cart.mp3'), 'c.mp3');
    expect(badField.status).toBe(400);
    expect(badField.body.error.code).toBe('UNEXPECTED_FIELD');
    expect((await t.http.get(`/api/v1/transcribe/${id}?format=doc`).expect(400)).body.error.code).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      (await t.http.post('/api/v1/transcribe?wait=soon').send({ audio_file: b64 }).expect(400)).body.error.code,
    ).toBe('VALIDATION_FAILED');
  });

  it('runs a multipart batch where a bad file gets its own entry', async () => {
    const res = await t.http
      .post('/api/v1/transcribe/batch')
      .field('language_code', 'en-US')
      .attach('files', repeatedWav('running-shoes.wav', 2), 'shoes.wav')
      .attach('files', audio('not-audio.wav'), 'notes.wav')
      .attach('files', audio('keyboard.m4a'), 'keyboard.m4a')
      .expect(202);
    expect(res.body.jobs).toEqual([
      { transcription_id: expect.any(String), filename: 'shoes.wav', status: 'queued' },
      {
        filename: 'notes.wav',
        status: 'rejected',
        error: { code: 'INVALID_FILE_FORMAT', message: expect.any(String) },
      },
      // keyboard.m4a was transcribed earlier with the same options: answered from the cache.
      { transcription_id: expect.any(String), filename: 'keyboard.m4a', status: 'completed' },
    ]);
    await t.http.get(`/api/v1/transcribe/${res.body.jobs[0].transcription_id}?wait=60`).expect(200);
    const status = await t.http.get(`/api/v1/transcribe/batch/${res.body.batch_id}`).expect(200);
    expect(status.body.counts).toEqual({ total: 3, queued: 0, in_progress: 0, completed: 2, failed: 0, rejected: 1 });
    expect(status.body.jobs.map((job: Json) => job.status)).toEqual(['completed', 'rejected', 'completed']);

    const tooMany = await t.http
      .post('/api/v1/transcribe/batch')
      .attach('files', audio('cart.wav'), '1.wav')
      .attach('files', audio('cart.wav'), '2.wav')
      .attach('files', audio('cart.wav'), '3.wav')
      .attach('files', audio('cart.wav'), '4.wav')
      .expect(400);
    expect(tooMany.body.error.code).toBe('TOO_MANY_FILES');
  });

  it('runs a JSON batch of base64 and media_id items', async () => {
    const missing = '00000000-0000-4000-8000-000000000001';
    const res = await t.http
      .post('/api/v1/transcribe/batch')
      .send({
        items: [
          { audio_file: audio('cart.flac').toString('base64'), filename: 'cart.flac' },
          { media_id: missing },
          { audio_file: audio('too-short-0.3s.wav').toString('base64'), filename: 'short.wav' },
        ],
      })
      .expect(202);
    expect(res.body.jobs.map((job: Json) => [job.filename, job.status, job.error?.code])).toEqual([
      ['cart.flac', 'completed', undefined], // cached from the WER test
      ['item-2', 'rejected', 'MEDIA_NOT_FOUND'],
      ['short.wav', 'rejected', 'INVALID_FILE'],
    ]);
    const status = await t.http.get(`/api/v1/transcribe/batch/${res.body.batch_id}`).expect(200);
    expect(status.body.counts).toMatchObject({ total: 3, completed: 1, rejected: 2 });
    const tooMany = await t.http
      .post('/api/v1/transcribe/batch')
      .send({ items: [1, 2, 3, 4].map(() => ({ media_id: missing })) })
      .expect(400);
    expect(tooMany.body.error.code).toBe('TOO_MANY_FILES');
  });

  it('POSTs the finished job to callback_url, signed, retrying after a failure', async () => {
    const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    let calls = 0;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        calls += 1;
        received.push({ headers: req.headers, body });
        res.statusCode = calls === 1 ? 503 : 204; // the first attempt fails
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/transcription`;
      const res = await t.http
        .post('/api/v1/transcribe?wait=60')
        .field('callback_url', url)
        .attach('file', audio('monitor.ogg'), 'monitor.ogg')
        .expect(200);
      expect(res.body.status).toBe('completed');
      const deadline = Date.now() + 10_000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(received).toHaveLength(2);
      for (const { headers, body } of received) {
        const expected = createHmac('sha256', SECRET)
          .update(`${headers['x-signature-timestamp'] as string}.${body}`)
          .digest('hex');
        expect(headers['x-signature-sha256']).toBe(`sha256=${expected}`);
        expect(headers['content-type']).toBe('application/json');
        // One key for both attempts: the receiver can drop the repeat.
        expect(headers['idempotency-key']).toBe(`transcription:${res.body.transcription_id}:completed`);
        expect(JSON.parse(body)).toMatchObject({
          transcription_id: res.body.transcription_id,
          status: 'completed',
          transcript: res.body.transcript,
        });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a callback that cannot be delivered does not fail the job', async () => {
    const res = await t.http
      .post('/api/v1/transcribe?wait=60')
      .send({ audio_file: audio('keyboard.wav').toString('base64'), callback_url: 'http://127.0.0.1:9/nowhere' })
      .expect(200);
    expect(res.body.status).toBe('completed');
  });
});

describe('transcription: timeouts, restarts, missing engine, S3 storage', () => {
  it('kills and fails a job that runs past TRANSCRIBE_JOB_TIMEOUT', async () => {
    const t = await createTestApp({ env: { TRANSCRIBE_JOB_TIMEOUT: '1', TRANSCRIBE_CONCURRENCY: '1' } });
    try {
      const long = repeatedWav('monitor.wav', 12); // ~34 s of speech: several seconds of work
      const res = await t.http.post('/api/v1/transcribe?wait=30').attach('file', long, 'long.wav').expect(200);
      expect(res.body).toMatchObject({
        status: 'failed',
        error: { code: 'TIMEOUT', message: expect.stringContaining('1 s') },
      });
      expect(res.body.transcript).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('after a restart resumes unfinished jobs or fails them with a reason', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'transcription-restart-'));
    try {
      const first = await createTestApp({ env: { DATA_DIR: dataDir } });
      const upload = await first.http.post('/api/v1/upload').attach('file', audio('cart.mp3'), 'cart.mp3').expect(201);
      const store = first.app.get<ObjectStore>(OBJECT_STORE);
      const base = {
        owner: '',
        progress: 0,
        created_at: new Date().toISOString(),
        filename: 'cart.mp3',
        sha256: upload.body.sha256,
        provider: 'local',
        options: { language_code: 'en-US', output_format: 'json' },
      };
      const interrupted = '11111111-1111-4111-8111-111111111111';
      const orphan = '22222222-2222-4222-8222-222222222222';
      const exhausted = '33333333-3333-4333-8333-333333333333';
      // As a process killed mid-job leaves them.
      await store.writeJson(`transcriptions/jobs/${interrupted}.json`, {
        ...base,
        transcription_id: interrupted,
        status: 'in_progress',
        media_id: upload.body.media_id,
        attempts: 1,
      });
      await store.writeJson(`transcriptions/jobs/${orphan}.json`, {
        ...base,
        transcription_id: orphan,
        status: 'queued',
        media_id: '44444444-4444-4444-8444-444444444444',
        attempts: 0,
      });
      await store.writeJson(`transcriptions/jobs/${exhausted}.json`, {
        ...base,
        transcription_id: exhausted,
        status: 'in_progress',
        media_id: upload.body.media_id,
        attempts: 3,
      });
      // Records from before the unfinished index existed: the next start indexes them once.
      await store.delete('transcriptions/unfinished-index.json');
      await first.close();

      const second = await createTestApp({ env: { DATA_DIR: dataDir } });
      try {
        const resumed = await second.http.get(`/api/v1/transcribe/${interrupted}?wait=60`).expect(200);
        expect(resumed.body).toMatchObject({ status: 'completed', transcription_id: interrupted });
        expect(wordErrorRate(SENTENCES.cart, resumed.body.transcript)).toBeLessThanOrEqual(0.25);
        const failed = await second.http.get(`/api/v1/transcribe/${orphan}`).expect(200);
        expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'MEDIA_NOT_FOUND' } });
        const gaveUp = await second.http.get(`/api/v1/transcribe/${exhausted}`).expect(200);
        expect(gaveUp.body).toMatchObject({
          status: 'failed',
          error: { code: 'REPEATEDLY_INTERRUPTED', message: expect.any(String), details: { attempts: 3 } },
        });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('starts without the engine, says why in readiness and answers 503 ENGINE_UNAVAILABLE', async () => {
    const t = await createTestApp({ env: { POCKETSPHINX_PATH: '/nonexistent/pocketsphinx_continuous' } });
    try {
      await t.http.get('/health').expect(200);
      const ready = await t.http.get('/health/ready').expect(503);
      const details = ready.body.error.details.details.transcription;
      expect(details.status).toBe('down');
      expect(details.install).toContain('pocketsphinx pocketsphinx-en-us');
      const res = await t.http.post('/api/v1/transcribe').attach('file', audio('cart.mp3'), 'cart.mp3').expect(503);
      expect(res.body.error.code).toBe('ENGINE_UNAVAILABLE');
      expect(res.body.error.message).toContain('pocketsphinx');
    } finally {
      await t.close();
    }
  });

  it('names a POCKETSPHINX_LM file that is not there in readiness (build it with npm run build:shopping-lm)', async () => {
    const t = await createTestApp({ env: { POCKETSPHINX_LM: '/nonexistent/en-us-shopping.lm.bin' } });
    try {
      const ready = await t.http.get('/health/ready').expect(503);
      const details = ready.body.error.details.details.transcription;
      expect(details.status).toBe('down');
      expect(JSON.stringify(details)).toContain(
        '/nonexistent/en-us-shopping.lm.bin (POCKETSPHINX_LM: npm run build:shopping-lm)',
      );
    } finally {
      await t.close();
    }
  });

  it('decodes a shopping request with the shopping model; without that model, one general pass, cached apart', async () => {
    // "add two bags of coffee to my cart" (festival slt, eval dev set): the general model hears "... card"
    const request = readFileSync(join(__dirname, '..', 'eval', 'data', 'speech', 'synthetic', 'shop-d06-slt.flac'));
    const transcribe = async (t: TestApp) =>
      (await t.http.post('/api/v1/transcribe?wait=60').attach('file', request, 'request.flac').expect(200)).body;
    // One store for both: the cache must not hand one setting's transcript to the other.
    const DATA_DIR = mkdtempSync(join(tmpdir(), 'shopping-routing-'));
    const routed = await createTestApp({ env: { DATA_DIR } });
    try {
      const ready = await routed.http.get('/health/ready').expect(200);
      expect(ready.body.details.transcription.shopping_model).toBe('models/speech/en-us-shopping.lm.bin');
      expect(await transcribe(routed)).toMatchObject({
        status: 'completed',
        transcript: 'add two bags of coffee to my cart',
      });
    } finally {
      await routed.close();
    }
    const general = await createTestApp({
      env: { DATA_DIR, POCKETSPHINX_SHOPPING_LM: '/nonexistent/en-us-shopping.lm.bin' },
    });
    try {
      // the shopping model only improves requests: ready without it
      const ready = await general.http.get('/health/ready').expect(200);
      expect(ready.body.details.transcription.shopping_model).toBeNull();
      const result = await transcribe(general);
      expect(result).toMatchObject({ status: 'completed', transcript: 'and two bags of coffee to my card' });
      expect(result.cached).not.toBe(true);
    } finally {
      await general.close();
      rmSync(DATA_DIR, { recursive: true, force: true });
    }
  });

  it('transcribes audio kept on S3 (radosgw)', async () => {
    const t = await createTestApp({ env: driverEnv('s3') });
    try {
      const res = await t.http
        .post('/api/v1/transcribe?wait=60')
        .attach('file', audio('monitor.m4a'), 'monitor.m4a')
        .expect(200);
      expect(res.body.status).toBe('completed');
      expect(wordErrorRate(SENTENCES.monitor, res.body.transcript)).toBeLessThanOrEqual(0.25);
      const again = await t.http.get(`/api/v1/transcribe/${res.body.transcription_id}`).expect(200);
      expect(again.body.words).toEqual(res.body.words);
    } finally {
      await t.close();
    }
  });
});
