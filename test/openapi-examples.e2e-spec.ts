import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { createTestApp, TestApp } from './support/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `#/components/schemas/X` → `X` (each component is registered under its name). */
const localRefs = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(localRefs)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [
            k,
            k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '') : localRefs(v),
          ]),
        )
      : value;

describe('the OpenAPI examples', () => {
  let t: TestApp;
  let doc: Json;
  const ajv = new Ajv({ strict: true, allErrors: true });

  beforeAll(async () => {
    t = await createTestApp({ env: { STORAGE_DRIVER: 'local' } });
    doc = (await t.http.get('/docs-json').expect(200)).body;
    addFormats(ajv);
    ajv.addKeyword({ keyword: 'example' });
    for (const [name, schema] of Object.entries(doc.components.schemas as Json)) {
      ajv.addSchema({ ...(localRefs(schema) as Json), $id: name });
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Every named example of a JSON response: [operation, status, example name, value, schema]. */
  const examples = () =>
    Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).flatMap(([method, operation]) =>
        Object.entries((operation as Json).responses ?? {}).flatMap(([status, response]) =>
          Object.entries(((response as Json).content ?? {}) as Json)
            .filter(([type]) => type.endsWith('json'))
            .flatMap(([, media]) =>
              Object.entries(((media as Json).examples ?? {}) as Json).map(([name, example]) => ({
                where: `${method.toUpperCase()} ${path} ${status} ${name}`,
                name,
                value: (example as Json).value as Json,
                schema: (media as Json).schema as Json,
              })),
            ),
        ),
      ),
    );

  it('every response example matches its own schema (ajv strict)', () => {
    const all = examples();
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const { where, value, schema } of all) {
      const validate = ajv.compile(localRefs(schema) as Json);
      expect([where, validate(value) ? 'valid' : ajv.errorsText(validate.errors)]).toEqual([where, 'valid']);
    }
  });

  it('media record examples are one image and one audio file, each with only its own fields', () => {
    const { examples: media } = doc.paths['/api/v1/media/{media_id}'].get.responses['200'].content['application/json'];
    expect(media.image.value).toMatchObject({ media_type: 'image', format: 'jpeg', content_type: 'image/jpeg' });
    expect(media.image.value).not.toHaveProperty('duration');
    expect(media.audio.value).toMatchObject({ media_type: 'audio', format: 'mp3', content_type: 'audio/mpeg' });
    expect(media.audio.value).not.toHaveProperty('width');
    expect(media.audio.value).not.toHaveProperty('height');
  });

  it('job examples exist per status and each is consistent with its status', () => {
    const content = doc.paths['/api/v1/transcribe/{job_id}'].get.responses['200'].content['application/json'];
    const jobs = Object.fromEntries(
      Object.values(content.examples as Json).map((e: Json) => [e.value.status, e.value]),
    );
    expect(Object.keys(jobs).sort()).toEqual(['completed', 'failed', 'in_progress', 'queued']);
    expect(jobs.queued).toMatchObject({ progress: 0 });
    expect(jobs.completed).toMatchObject({ progress: 100, transcript: expect.any(String) });
    for (const status of ['queued', 'in_progress', 'failed']) expect(jobs[status]).not.toHaveProperty('transcript');
    for (const status of ['queued', 'in_progress', 'completed']) expect(jobs[status]).not.toHaveProperty('error');
    expect(jobs.failed.error).toMatchObject({ code: expect.stringMatching(/^[A-Z_]+$/) });
    expect(jobs.completed.cached).toBeUndefined();
  });

  it('the analysis example uses the default options, not limits', () => {
    const content = doc.paths['/api/v1/analyze-image'].post.responses['200'].content['application/json'];
    const value = content.examples.defaults.value as Json;
    expect(value).toMatchObject({ analysis_types: ['labels', 'text', 'objects'], max_labels: 10, min_confidence: 0.6 });
  });
});
