import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI, { APIError, toFile } from 'openai';
import { parseSrt, parseVtt } from './support/subtitles';
import { audio, repeatedWav, SENTENCES } from './support/speech-fixtures';
import { createTestApp, TestApp } from './support/test-app';
import { wordErrorRate } from './support/wer';

async function apiError(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error('expected an APIError');
}

describe('OpenAI-compatible transcription, with the official openai client (local engine, real speech)', () => {
  let t: TestApp;
  let client: OpenAI;
  let baseUrl: string;
  /** Files under media/ in the store (empty folders left by deletes do not count). */
  const storedMedia = () => {
    const dir = join(t.dataDir, 'objects', 'media');
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  };

  beforeAll(async () => {
    t = await createTestApp({
      env: { TRANSCRIBE_PROVIDER: 'local', TRANSCRIBE_CONCURRENCY: '2', OPENAI_MAX_DURATION: '10' },
    });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    client = new OpenAI({ apiKey: 'unused', baseURL: `${baseUrl}/v1`, maxRetries: 0, timeout: 60_000 });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('lists the configured provider and the whisper-1 alias as models', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(['pocketsphinx-en-us', 'whisper-1']);
    for (const model of models.data) {
      expect(model).toMatchObject({ object: 'model', owned_by: 'media-service' });
      expect(typeof model.created).toBe('number');
    }
    await expect(client.models.retrieve('whisper-1')).resolves.toMatchObject({ id: 'whisper-1', object: 'model' });
    const missing = await apiError(client.models.retrieve('gpt-4o-transcribe'));
    expect(missing.status).toBe(404);
    expect(missing.error).toMatchObject({ type: 'not_found_error', code: 'not_found', param: 'model' });
  });

  it('json: {text} close to what was said, through the same job pipeline and cache as /api/v1/transcribe', async () => {
    const file = await toFile(audio('monitor.wav'), 'monitor.wav');
    const { data, response } = await client.audio.transcriptions.create({ file, model: 'whisper-1' }).withResponse();
    expect(Object.keys(data)).toEqual(['text']);
    expect(wordErrorRate(SENTENCES.monitor, data.text)).toBeLessThanOrEqual(0.25);
    const jobId = response.headers.get('x-transcription-id') as string;
    const job = await t.http.get(`/api/v1/transcribe/${jobId}`).expect(200);
    expect(job.body).toMatchObject({ status: 'completed', transcript: data.text, provider: 'local' });
    // The same bytes again: answered from the transcript cache, a new job marked cached.
    const again = await client.audio.transcriptions
      .create({ file: await toFile(audio('monitor.wav'), 'again.wav'), model: 'pocketsphinx-en-us' })
      .withResponse();
    expect(again.data.text).toBe(data.text);
    const cached = await t.http.get(`/api/v1/transcribe/${again.response.headers.get('x-transcription-id')}`);
    expect(cached.body).toMatchObject({ status: 'completed', cached: true });
    // OpenAI keeps nothing: the audio is gone once answered.
    expect(storedMedia()).toEqual([]);
  });

  it('text, srt and vtt come back as text with their content types', async () => {
    // The bytes the json test transcribed: these come from the cache, rendered per format.
    const file = () => toFile(audio('monitor.wav'), 'monitor.wav');
    const text = await client.audio.transcriptions
      .create({ file: await file(), model: 'whisper-1', response_format: 'text' })
      .withResponse();
    expect(text.response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(typeof text.data).toBe('string');
    expect(wordErrorRate(SENTENCES.monitor, text.data)).toBeLessThanOrEqual(0.25);

    const srt = await client.audio.transcriptions
      .create({ file: await file(), model: 'whisper-1', response_format: 'srt' })
      .withResponse();
    expect(srt.response.headers.get('content-type')).toMatch(/^application\/x-subrip/);
    const srtCues = parseSrt(srt.data);
    expect(srtCues.length).toBeGreaterThan(0);
    expect(srtCues.map((cue) => cue.text).join(' ')).toBe(text.data.trim());

    const vtt = await client.audio.transcriptions
      .create({ file: await file(), model: 'whisper-1', response_format: 'vtt' })
      .withResponse();
    expect(vtt.response.headers.get('content-type')).toMatch(/^text\/vtt/);
    const vttCues = parseVtt(vtt.data);
    expect(vttCues.map((cue) => [cue.start, cue.end])).toEqual(srtCues.map((cue) => [cue.start, cue.end]));
  });

  it('verbose_json: segments by default; words and segments with timestamp_granularities; language en', async () => {
    const file = () => toFile(audio('leather-boots.flac'), 'boots.flac');
    const segmentsOnly = await client.audio.transcriptions.create({
      file: await file(),
      model: 'whisper-1',
      response_format: 'verbose_json',
      language: 'en',
    });
    expect(segmentsOnly).toMatchObject({ task: 'transcribe', language: 'english' });
    expect(segmentsOnly.duration).toBeCloseTo(1.985, 1);
    expect(wordErrorRate(SENTENCES['leather-boots'], segmentsOnly.text)).toBeLessThanOrEqual(0.25);
    expect(segmentsOnly.words).toBeUndefined();
    const segments = segmentsOnly.segments ?? [];
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.map((segment) => segment.text).join(' ')).toBe(segmentsOnly.text);
    for (const [index, segment] of segments.entries()) {
      expect(segment).toEqual({
        id: index,
        seek: 0,
        start: expect.any(Number),
        end: expect.any(Number),
        text: expect.any(String),
        tokens: [],
        temperature: 0,
        avg_logprob: expect.any(Number),
        compression_ratio: expect.any(Number),
        no_speech_prob: 0,
      });
      expect(segment.avg_logprob).toBeLessThanOrEqual(0);
      expect(segment.end).toBeGreaterThan(segment.start);
      expect(segment.end).toBeLessThanOrEqual(segmentsOnly.duration + 0.05);
    }

    const both = await client.audio.transcriptions.create({
      file: await file(),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    const words = both.words ?? [];
    expect(both.segments?.length).toBe(segments.length);
    expect(words.map((word) => word.word).join(' ')).toBe(both.text);
    for (const [index, word] of words.entries()) {
      expect(word.end).toBeGreaterThanOrEqual(word.start);
      if (index > 0) expect(word.start).toBeGreaterThanOrEqual(words[index - 1].start);
    }

    const wordsOnly = await client.audio.transcriptions.create({
      file: await file(),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word'],
    });
    expect(wordsOnly.segments).toBeUndefined();
    expect(wordsOnly.words).toEqual(words);
  });

  it('prompt is accepted and reported as ignored; temperature is accepted', async () => {
    const result = await client.audio.transcriptions
      .create({
        file: await toFile(audio('leather-boots.flac'), 'boots.flac'),
        model: 'whisper-1',
        response_format: 'verbose_json',
        prompt: 'shopping cart',
        temperature: 0.2,
      })
      .withResponse();
    expect(wordErrorRate(SENTENCES['leather-boots'], result.data.text)).toBeLessThanOrEqual(0.25);
    expect((result.data as unknown as { warnings: string[] }).warnings).toEqual([
      expect.stringMatching(/^prompt: the local provider takes no prompt/),
    ]);
    expect(result.response.headers.get('x-transcription-warnings')).toMatch(/^prompt: /);
  });

  it('a language the provider does not take, and one that is not ISO-639-1, are 400s on the language param', async () => {
    const french = await apiError(
      client.audio.transcriptions.create({
        file: await toFile(audio('cart.wav'), 'a.wav'),
        model: 'whisper-1',
        language: 'fr',
      }),
    );
    expect(french.status).toBe(400);
    expect(french.error).toMatchObject({ type: 'invalid_request_error', param: 'language', code: 'validation_failed' });
    expect(french.message).toMatch(/does not transcribe fr-FR/);
    const nonsense = await apiError(
      client.audio.transcriptions.create({
        file: await toFile(audio('cart.wav'), 'a.wav'),
        model: 'whisper-1',
        language: 'english',
      }),
    );
    expect(nonsense.status).toBe(400);
    expect(nonsense.error).toMatchObject({ param: 'language' });
    expect(storedMedia()).toEqual([]);
  });

  it('an unknown model or response_format is a 400 naming the param', async () => {
    const model = await apiError(
      client.audio.transcriptions.create({ file: await toFile(audio('cart.wav'), 'a.wav'), model: 'whisper-large' }),
    );
    expect(model.status).toBe(400);
    expect(model.error).toMatchObject({ param: 'model', type: 'invalid_request_error' });
    const format = await apiError(
      client.audio.transcriptions.create({
        file: await toFile(audio('cart.wav'), 'a.wav'),
        model: 'whisper-1',
        response_format: 'diarized_json' as 'json',
      }),
    );
    expect(format.status).toBe(400);
    expect(format.error).toMatchObject({ param: 'response_format' });
  });

  it('a file that is not audio is a 415 the client raises as an APIError, in OpenAI’s error shape', async () => {
    const photo = readFileSync(join(__dirname, 'fixtures', 'media', 'photo.jpg'));
    const error = await apiError(
      client.audio.transcriptions.create({ file: await toFile(photo, 'voice.mp3'), model: 'whisper-1' }),
    );
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(415);
    expect(error.error).toEqual({
      message: expect.stringMatching(/^Unsupported file format 'jpg'/),
      type: 'invalid_request_error',
      param: 'file',
      code: 'invalid_file_format',
    });
    expect(error.requestID === undefined || typeof error.requestID === 'string').toBe(true);
    expect(storedMedia()).toEqual([]);
  });

  it('audio longer than OPENAI_MAX_DURATION is a 413 pointing to the asynchronous API; nothing is kept', async () => {
    const long = repeatedWav('monitor.wav', 4); // 11.3 s against a 10 s limit
    const error = await apiError(
      client.audio.transcriptions.create({ file: await toFile(long, 'long.wav'), model: 'whisper-1' }),
    );
    expect(error.status).toBe(413);
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'file_too_large', param: 'file' });
    expect(error.message).toMatch(/POST \/api\/v1\/transcribe/);
    expect(storedMedia()).toEqual([]);
  });

  it('answers under /api/v1/openai/v1 as well; the rest of the API keeps its own error shape', async () => {
    const proxied = new OpenAI({ apiKey: 'unused', baseURL: `${baseUrl}/api/v1/openai/v1`, maxRetries: 0 });
    const result = await proxied.audio.transcriptions.create({
      file: await toFile(audio('monitor.wav'), 'monitor.wav'),
      model: 'whisper-1',
    });
    expect(wordErrorRate(SENTENCES.monitor, result.text)).toBeLessThanOrEqual(0.25);
    const native = await t.http.get('/api/v1/media/not-a-uuid').expect(400);
    expect(native.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: expect.any(Object) });
  });

  it('the /v1 front door answers what its document says (checked agent): models, a transcription, refusals', async () => {
    // The official client above does not go through the contract check; the same routes do here.
    const models = await t.http.get('/v1/models').expect(200);
    expect(models.body.data.map((model: { id: string }) => model.id)).toContain('whisper-1');
    await t.http.get('/v1/models/whisper-1').expect(200);
    const missing = await t.http.get('/v1/models/gpt-4o-transcribe').expect(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found', param: 'model' });
    const json = await t.http
      .post('/v1/audio/transcriptions')
      .field('model', 'whisper-1')
      .attach('file', audio('monitor.wav'), 'monitor.wav')
      .expect(200);
    expect(wordErrorRate(SENTENCES.monitor, json.body.text)).toBeLessThanOrEqual(0.25);
    const text = await t.http
      .post('/v1/audio/transcriptions')
      .field('model', 'whisper-1')
      .field('response_format', 'text')
      .attach('file', audio('monitor.wav'), 'monitor.wav')
      .expect(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    const noModel = await t.http
      .post('/v1/audio/transcriptions')
      .attach('file', audio('monitor.wav'), 'monitor.wav')
      .expect(400);
    expect(noModel.body.error).toMatchObject({ param: 'model' });
  });

  it('the OpenAPI document describes the OpenAI routes and the tus endpoints', async () => {
    const { body } = await t.http.get('/docs-json').expect(200);
    expect(Object.keys(body.paths['/v1/audio/transcriptions'])).toEqual(['post']);
    expect(
      body.paths['/v1/audio/transcriptions'].post.requestBody.content['multipart/form-data'].schema.required,
    ).toEqual(['file', 'model']);
    expect(body.paths['/v1/models'].get).toBeDefined();
    expect(body.paths['/v1/models/{model}'].get).toBeDefined();
    expect(Object.keys(body.paths['/api/v1/uploads']).sort()).toEqual(['options', 'post']);
    expect(Object.keys(body.paths['/api/v1/uploads/{upload_id}']).sort()).toEqual(['delete', 'get', 'head', 'patch']);
    expect(body.components.schemas.UploadStatusDto.properties.media_id).toBeDefined();
    expect(body.components.schemas.OpenAiVerboseTranscriptionDto.properties.segments).toBeDefined();
  });
});
