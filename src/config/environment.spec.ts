import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertLogFormatUsable, validateEnvironment, validateProcessEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      PORT: 8001,
      STORAGE_DRIVER: 'local',
      TRANSCRIBE_PROVIDER: 'local',
      IMAGE_ANALYSIS_PROVIDER: 'local',
      MAX_FILE_SIZE: 50 * 1024 * 1024,
      REKOGNITION_MAX_LABELS: 10,
      REKOGNITION_MIN_CONFIDENCE: 0.7,
      TRANSCRIBE_LANGUAGE_CODE: 'en-US',
      LOG_LEVEL: 'info',
      DEBUG: false,
    });
    expect(env.ALLOWED_AUDIO_FORMATS).toEqual(['mp3', 'wav', 'm4a', 'flac', 'ogg', 'webm']);
    expect(env.ALLOWED_IMAGE_FORMATS).toEqual(['jpg', 'jpeg', 'png', 'webp']);
  });

  it.each([
    ['50MB', 52_428_800],
    ['500kb', 512_000],
    ['1.5GB', 1_610_612_736],
    ['1024', 1024],
  ])('reads MAX_FILE_SIZE=%s as %d bytes', (value, expected) => {
    expect(validateEnvironment({ MAX_FILE_SIZE: value }).MAX_FILE_SIZE).toBe(expected);
  });

  it('parses lists, booleans, numbers and case-insensitive choices', () => {
    const env = validateEnvironment({
      ALLOWED_AUDIO_FORMATS: ' MP3, wav ',
      DEBUG: 'true',
      PORT: '9000',
      STORAGE_DRIVER: 'S3',
      LOG_LEVEL: 'DEBUG',
      REKOGNITION_MIN_CONFIDENCE: '0.55',
    });
    expect(env).toMatchObject({
      ALLOWED_AUDIO_FORMATS: ['mp3', 'wav'],
      DEBUG: true,
      PORT: 9000,
      STORAGE_DRIVER: 's3',
      LOG_LEVEL: 'debug',
    });
    expect(env.REKOGNITION_MIN_CONFIDENCE).toBeCloseTo(0.55);
  });

  it.each([
    ['MAX_FILE_SIZE', 'lots'],
    ['PORT', 'eighty'],
    ['STORAGE_DRIVER', 'ftp'],
    ['TRANSCRIBE_PROVIDER', 'google'],
    ['IMAGE_ANALYSIS_PROVIDER', 'gpt'],
    ['REKOGNITION_MIN_CONFIDENCE', '70'],
    ['ALLOWED_AUDIO_FORMATS', 'mp3,exe'],
    ['DEBUG', 'maybe'],
    ['S3_ENDPOINT', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['UPLOAD_URL_TTL', '604801'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: .*${name}`));
  });

  it('names every bad variable at once', () => {
    expect(() => validateEnvironment({ MAX_FILE_SIZE: 'lots', PORT: '-1' })).toThrow(
      /MAX_FILE_SIZE.*PORT|PORT.*MAX_FILE_SIZE/,
    );
  });
});

describe('validateEnvironment: monitoring', () => {
  it('defaults to metrics and trace context on, no token, no price table, no OTLP export', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({ METRICS_ENABLED: true, TRACING_ENABLED: true, OTEL_SERVICE_NAME: 'media-service' });
    expect(env.METRICS_TOKEN ?? env.AWS_PRICE_TABLE ?? env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('takes an empty value as unset and names a short token or a bad endpoint', () => {
    const env = validateEnvironment({ METRICS_TOKEN: '', AWS_PRICE_TABLE: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    expect(env.METRICS_TOKEN ?? env.AWS_PRICE_TABLE ?? env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(() => validateEnvironment({ METRICS_TOKEN: 'short', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(
      /METRICS_TOKEN must be longer than or equal to 16 characters; OTEL_EXPORTER_OTLP_ENDPOINT must be a URL/,
    );
    expect(validateEnvironment({ METRICS_ENABLED: 'false' }).METRICS_ENABLED).toBe(false);
  });
});

describe('.env.example copied to .env', () => {
  /** The file parsed as Node's --env-file / process.loadEnvFile parses it. */
  function exampleFile(): Record<string, string> {
    const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    return Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z0-9_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  it('validates: its empty values mean unset, so the defaults apply', () => {
    const example = exampleFile();
    expect(example).toMatchObject({ S3_ENDPOINT: '', UPLOAD_SIGNING_SECRET: '', TRANSCRIBE_CONCURRENCY: '' });
    const env = validateEnvironment(example);
    expect(env.S3_ENDPOINT).toBeUndefined();
    expect(env.UPLOAD_SIGNING_SECRET).toBeUndefined();
    expect(env.TRANSCRIBE_CONCURRENCY).toBeUndefined();
    expect(env).toMatchObject({ PORT: 8001, MAX_FILE_SIZE: 50 * 1024 * 1024, S3_PREFIX: 'uploads/' });
  });

  it('keeps an empty value where empty means something (no key prefix, default engine options)', () => {
    expect(validateEnvironment({ S3_PREFIX: '', POCKETSPHINX_ARGS: '', POCKETSPHINX_SHOPPING_LM: '' })).toMatchObject({
      S3_PREFIX: '',
      POCKETSPHINX_ARGS: '',
      POCKETSPHINX_SHOPPING_LM: '',
    });
    // unset: the model npm run setup builds
    expect(validateEnvironment({}).POCKETSPHINX_SHOPPING_LM).toBe('models/speech/en-us-shopping.lm.bin');
  });
});

describe('LOG_FORMAT=pretty', () => {
  it('without pino-pretty installed is one configuration line, not a crash of the logger', () => {
    const missing = () => {
      throw Object.assign(new Error("Cannot find module 'pino-pretty'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => assertLogFormatUsable('pretty', missing)).toThrow(
      /^Invalid configuration: LOG_FORMAT=pretty needs the pino-pretty package[^\n]*$/,
    );
    expect(() => assertLogFormatUsable('json', missing)).not.toThrow();
    expect(() => validateEnvironment({ LOG_FORMAT: 'pretty' })).not.toThrow(); // installed here (dev)
  });
});

describe('validateEnvironment: local image models', () => {
  it('loads every model by default and takes a subset, case-insensitive', () => {
    expect(validateEnvironment({}).IMAGE_LOCAL_MODELS).toEqual([
      'objects',
      'nanodet',
      'ssd',
      'faces',
      'moderation',
      'text',
    ]);
    expect(validateEnvironment({ IMAGE_LOCAL_MODELS: 'Objects, text' }).IMAGE_LOCAL_MODELS).toEqual([
      'objects',
      'text',
    ]);
  });

  it('names a model it does not know', () => {
    expect(() => validateEnvironment({ IMAGE_LOCAL_MODELS: 'objects,yolo' })).toThrow(/IMAGE_LOCAL_MODELS/);
  });
});

describe('validateProcessEnvironment', () => {
  const saved = process.env.MAX_FILE_SIZE;
  afterEach(() => {
    if (saved === undefined) delete process.env.MAX_FILE_SIZE;
    else process.env.MAX_FILE_SIZE = saved;
  });

  it('validates once while process.env stays the same, and again once it changes', () => {
    process.env.MAX_FILE_SIZE = '10MB';
    const first = validateProcessEnvironment();
    expect(validateProcessEnvironment()).toBe(first);
    process.env.MAX_FILE_SIZE = '20MB';
    const second = validateProcessEnvironment();
    expect(second).not.toBe(first);
    expect(second.MAX_FILE_SIZE).toBe(20 * 1024 * 1024);
    process.env.MAX_FILE_SIZE = 'lots';
    expect(() => validateProcessEnvironment()).toThrow(/MAX_FILE_SIZE/);
  });
});
