/**
 * A client program as another TalknShop service would write it: typed by openapi-typescript from
 * the app's own document (generated at test time into test-output/typed-client/api.d.ts), calling
 * through openapi-fetch. It must type-check strictly with no casts and no `any`
 * (test/typed-client.e2e-spec.ts checks both), and it calls every operation of the document
 * against the real app at BASE_URL, printing one JSON line per call.
 */
import createClient from 'openapi-fetch';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { components, paths } from '../../test-output/typed-client/api';

type ErrorResponse = components['schemas']['ErrorResponse'];
type OpenAiError = components['schemas']['OpenAiErrorDto'];

const baseUrl = process.env.BASE_URL ?? 'http://127.0.0.1:8001';
// Answers parsed as JSON unless a call asks for text/blob (parseAs): the JSON variant of each response.
const api = createClient<paths, `${string}/json`>({ baseUrl });
const FIXTURES = join(__dirname, '..', 'fixtures');

function file(path: string, type: string): File {
  return new File([readFileSync(join(FIXTURES, path))], path.split('/').pop() ?? path, { type });
}
const wav = () => file('audio/monitor.wav', 'audio/wav');
const jpeg = () => file('images/coffee.jpg', 'image/jpeg');

/** Every multipart body: file parts as they are, lists of files repeated, other fields as text. */
function form(body: object | undefined): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(body ?? {})) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (item instanceof File) data.append(name, item, item.name);
      else if (item instanceof Blob) data.append(name, item);
      else if (item !== undefined) data.append(name, String(item));
    }
  }
  return data;
}

const calls: Array<{ operation: string; status: number }> = [];
function called(operation: string, response: Response, expected: number | number[]): void {
  calls.push({ operation, status: response.status });
  const wanted = Array.isArray(expected) ? expected : [expected];
  if (!wanted.includes(response.status)) {
    throw new Error(`${operation} answered ${response.status}, expected ${wanted.join(' or ')}`);
  }
}
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`failed: ${what}`);
}
const isServiceError = (error: ErrorResponse, code: string) =>
  error.error.code === code && error.error.message.length > 0;

async function health(): Promise<void> {
  const live = await api.GET('/health');
  called('GET /health', live.response, 200);
  const ready = await api.GET('/health/ready');
  called('GET /health/ready', ready.response, 200);
  check(ready.data?.status === 'ok', 'ready');
  const metrics = await api.GET('/metrics', { parseAs: 'text' });
  called('GET /metrics', metrics.response, 200);
  check((metrics.data ?? '').includes('media_service_'), 'metrics text');
}

async function media(): Promise<void> {
  const uploaded = await api.POST('/api/v1/upload', { body: { file: jpeg() }, bodySerializer: form });
  called('POST /api/v1/upload', uploaded.response, 201);
  const id = uploaded.data?.media_id ?? '';
  check(uploaded.data?.media_type === 'image', 'an image record');

  const record = await api.GET('/api/v1/media/{media_id}', { params: { path: { media_id: id } } });
  called('GET /api/v1/media/{media_id}', record.response, 200);
  check(record.data?.sha256 === uploaded.data?.sha256, 'same record');

  const bytes = await api.GET('/api/v1/media/{media_id}/download', {
    params: { path: { media_id: id } },
    parseAs: 'arrayBuffer',
  });
  called('GET /api/v1/media/{media_id}/download', bytes.response, 200);
  check(bytes.data?.byteLength === uploaded.data?.size, 'whole file');

  const missing = await api.GET('/api/v1/media/{media_id}', {
    params: { path: { media_id: '00000000-0000-4000-8000-000000000000' } },
  });
  calls.push({ operation: 'GET /api/v1/media/{media_id}', status: missing.response.status });
  check(missing.error !== undefined && isServiceError(missing.error, 'MEDIA_NOT_FOUND'), 'typed 404');

  const deleted = await api.DELETE('/api/v1/media/{media_id}', { params: { path: { media_id: id } } });
  called('DELETE /api/v1/media/{media_id}', deleted.response, 204);

  // Presigned upload on the local driver: presign, PUT the bytes to upload_url, complete.
  const audio = readFileSync(join(FIXTURES, 'audio/monitor.wav'));
  const presigned = await api.POST('/api/v1/upload/presign', {
    body: { filename: 'monitor.wav', content_type: 'audio/wav', size: audio.length },
  });
  called('POST /api/v1/upload/presign', presigned.response, 201);
  const target = new URL(presigned.data?.upload_url ?? '', baseUrl);
  const pendingId = presigned.data?.media_id ?? '';
  const put = await api.PUT('/api/v1/upload/{media_id}', {
    params: { path: { media_id: pendingId }, query: { token: target.searchParams.get('token') ?? '' } },
    body: new Blob([audio], { type: 'audio/wav' }),
    bodySerializer: (body) => body,
    headers: { 'Content-Type': 'audio/wav' },
  });
  called('PUT /api/v1/upload/{media_id}', put.response, 200);
  const completed = await api.POST('/api/v1/media/{media_id}/complete', { params: { path: { media_id: pendingId } } });
  called('POST /api/v1/media/{media_id}/complete', completed.response, 201);
  check(completed.data?.media_type === 'audio', 'completed audio');
}

async function transcription(): Promise<void> {
  const submitted = await api.POST('/api/v1/transcribe', {
    body: { file: wav(), language_code: 'en-US' },
    bodySerializer: form,
  });
  called('POST /api/v1/transcribe', submitted.response, [200, 202]);
  const jobId = submitted.data?.transcription_id ?? '';
  const job = await api.GET('/api/v1/transcribe/{job_id}', {
    params: { path: { job_id: jobId }, query: { wait: 60 } },
  });
  called('GET /api/v1/transcribe/{job_id}', job.response, 200);
  check(job.data?.status === 'completed', 'job completed');
  const text = await api.GET('/api/v1/transcribe/{job_id}', {
    params: { path: { job_id: jobId }, query: { format: 'text' } },
    parseAs: 'text',
  });
  called('GET /api/v1/transcribe/{job_id}', text.response, 200);
  check((text.data ?? '').includes('monitor'), 'text rendering');

  const batch = await api.POST('/api/v1/transcribe/batch', { body: { files: [wav(), wav()] }, bodySerializer: form });
  called('POST /api/v1/transcribe/batch', batch.response, 202);
  const batchId = batch.data?.batch_id ?? '';
  const status = await api.GET('/api/v1/transcribe/batch/{batch_id}', { params: { path: { batch_id: batchId } } });
  called('GET /api/v1/transcribe/batch/{batch_id}', status.response, 200);
  check(status.data?.jobs.length === 2, 'two jobs');
}

async function images(): Promise<void> {
  const analysed = await api.POST('/api/v1/analyze-image', {
    body: { file: jpeg(), analysis_types: 'labels,colors' },
    bodySerializer: form,
  });
  called('POST /api/v1/analyze-image', analysed.response, 200);
  const analysisId = analysed.data?.analysis_id ?? '';
  const stored = await api.GET('/api/v1/analyze-image/{analysis_id}', {
    params: { path: { analysis_id: analysisId } },
  });
  called('GET /api/v1/analyze-image/{analysis_id}', stored.response, 200);
  const annotated = await api.GET('/api/v1/analyze-image/{analysis_id}/annotated', {
    params: { path: { analysis_id: analysisId } },
    parseAs: 'blob',
  });
  called('GET /api/v1/analyze-image/{analysis_id}/annotated', annotated.response, 200);
  check((annotated.data?.size ?? 0) > 0, 'annotated image');

  const batch = await api.POST('/api/v1/analyze-image/batch', {
    params: { query: { wait: 60 } },
    body: { files: [jpeg(), jpeg()], analysis_types: 'colors' },
    bodySerializer: form,
  });
  called('POST /api/v1/analyze-image/batch', batch.response, 200);
  const batchId = batch.data?.batch_id ?? '';
  const stored2 = await api.GET('/api/v1/analyze-image/batch/{batch_id}', { params: { path: { batch_id: batchId } } });
  called('GET /api/v1/analyze-image/batch/{batch_id}', stored2.response, 200);

  const attributes = await api.POST('/api/v1/extract-attributes', { body: { file: jpeg() }, bodySerializer: form });
  called('POST /api/v1/extract-attributes', attributes.response, 200);
  check(typeof attributes.data?.search_query === 'string', 'search query');
}

async function openAi(): Promise<void> {
  const transcribed = await api.POST('/v1/audio/transcriptions', {
    body: { file: wav(), model: 'whisper-1' },
    bodySerializer: form,
  });
  called('POST /v1/audio/transcriptions', transcribed.response, 200);
  const aliased = await api.POST('/api/v1/openai/v1/audio/transcriptions', {
    body: { file: wav(), model: 'whisper-1', response_format: 'verbose_json' },
    bodySerializer: form,
  });
  called('POST /api/v1/openai/v1/audio/transcriptions', aliased.response, 200);
  check((aliased.data?.text ?? '').includes('monitor'), 'OpenAI transcript');
  const models = await api.GET('/v1/models');
  called('GET /v1/models', models.response, 200);
  const modelsAliased = await api.GET('/api/v1/openai/v1/models');
  called('GET /api/v1/openai/v1/models', modelsAliased.response, 200);
  const model = await api.GET('/v1/models/{model}', { params: { path: { model: 'whisper-1' } } });
  called('GET /v1/models/{model}', model.response, 200);
  const modelAliased = await api.GET('/api/v1/openai/v1/models/{model}', { params: { path: { model: 'whisper-1' } } });
  called('GET /api/v1/openai/v1/models/{model}', modelAliased.response, 200);
  const unknown = await api.GET('/v1/models/{model}', { params: { path: { model: 'no-such-model' } } });
  calls.push({ operation: 'GET /v1/models/{model}', status: unknown.response.status });
  const error: OpenAiError | undefined = unknown.error;
  check(unknown.response.status === 404 && (error?.error.message.length ?? 0) > 0, 'typed OpenAI 404');
}

async function resumable(): Promise<void> {
  const tus = { 'Tus-Resumable': '1.0.0' };
  const options = await api.OPTIONS('/api/v1/uploads');
  called('OPTIONS /api/v1/uploads', options.response, 204);
  const audio = readFileSync(join(FIXTURES, 'audio/monitor.wav'));
  const metadata = `filename ${Buffer.from('monitor.wav').toString('base64')}`;
  const created = await api.POST('/api/v1/uploads', {
    params: { header: { ...tus, 'Upload-Length': String(audio.length), 'Upload-Metadata': metadata } },
  });
  called('POST /api/v1/uploads', created.response, 201);
  const uploadId = (created.response.headers.get('location') ?? '').split('/').pop() ?? '';
  const path = { upload_id: uploadId };
  const head = await api.HEAD('/api/v1/uploads/{upload_id}', { params: { path, header: tus } });
  called('HEAD /api/v1/uploads/{upload_id}', head.response, 200);
  check(head.response.headers.get('upload-offset') === '0', 'nothing uploaded yet');
  const patched = await api.PATCH('/api/v1/uploads/{upload_id}', {
    params: { path, header: { ...tus, 'Upload-Offset': '0' } },
    body: new Blob([audio]),
    bodySerializer: (body) => body,
    headers: { 'Content-Type': 'application/offset+octet-stream' },
  });
  called('PATCH /api/v1/uploads/{upload_id}', patched.response, 204);
  const status = await api.GET('/api/v1/uploads/{upload_id}', { params: { path } });
  called('GET /api/v1/uploads/{upload_id}', status.response, 200);
  check(status.data?.status === 'completed', 'upload completed');
  const deleted = await api.DELETE('/api/v1/uploads/{upload_id}', { params: { path, header: tus } });
  called('DELETE /api/v1/uploads/{upload_id}', deleted.response, [204, 404]);
}

async function main(): Promise<void> {
  await health();
  await media();
  await transcription();
  await images();
  await openAi();
  await resumable();
  process.stdout.write(`${JSON.stringify({ calls })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ calls, failure: String(error) })}\n`);
  process.exitCode = 1;
});
