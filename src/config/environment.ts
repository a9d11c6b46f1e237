import bytes from 'bytes';
import ipaddr from 'ipaddr.js';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

/** Turns "50MB", "1.5GB", "1024" into bytes; anything else becomes NaN so validation names it. */
function toByteCount({ value }: { value: unknown }): unknown {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') return value;
  const parsed = bytes.parse(String(value).trim());
  return parsed === null || Number.isNaN(parsed) ? Number.NaN : parsed;
}

function toBoolean({ value }: { value: unknown }): unknown {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  return value;
}

function toNumber({ value }: { value: unknown }): unknown {
  if (value === undefined || value === '') return undefined;
  return typeof value === 'number' ? value : Number(String(value).trim());
}

function toList({ value }: { value: unknown }): unknown {
  if (value === undefined || value === '') return undefined;
  return String(value)
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

/** An empty value (`NAME=` in .env) is the same as an unset one. */
function emptyAsUnset({ value }: { value: unknown }): unknown {
  return value === '' ? undefined : value;
}

function toLowerCase({ value }: { value: unknown }): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}

export const AUDIO_FORMATS = ['mp3', 'wav', 'm4a', 'flac', 'ogg', 'webm'] as const;
export const IMAGE_FORMATS = ['jpg', 'jpeg', 'png', 'webp'] as const;
/** The local image models a deployment may load (IMAGE_LOCAL_MODELS). */
export const LOCAL_IMAGE_MODELS = ['objects', 'nanodet', 'ssd', 'faces', 'moderation', 'text'] as const;
export type LocalImageModel = (typeof LOCAL_IMAGE_MODELS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the service reads, with its default. Validated once at start;
 * the rest of the code receives typed config objects (see configuration.ts), never process.env.
 */
export class Environment {
  @Transform(toNumber) @IsInt() @Min(0) @Max(65535) PORT = 8001;
  @Transform(toLowerCase) @IsIn(LOG_LEVELS) LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';
  @Transform(toBoolean) @IsBoolean() DEBUG = false;

  @IsString() @MinLength(1) AWS_REGION = 'us-west-2';
  @IsOptional() @IsString() AWS_ACCESS_KEY_ID?: string;
  @IsOptional() @IsString() AWS_SECRET_ACCESS_KEY?: string;
  @IsOptional() @IsString() AWS_SESSION_TOKEN?: string;
  @Transform(toNumber) @IsInt() @Min(100) AWS_REQUEST_TIMEOUT_MS = 30_000;

  @Transform(toLowerCase) @IsIn(['local', 's3']) STORAGE_DRIVER: 'local' | 's3' = 'local';
  @IsString() @MinLength(1) DATA_DIR = './data';
  @IsString() @MinLength(3) S3_BUCKET_NAME = 'talknshop-media';
  @IsString() S3_PREFIX = 'uploads/';
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) S3_ENDPOINT?: string;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) S3_PUBLIC_ENDPOINT?: string;
  @Transform(toBoolean) @IsBoolean() S3_FORCE_PATH_STYLE = false;
  @Transform(toBoolean) @IsBoolean() S3_ENDPOINT_IS_AWS = false;
  @IsOptional() @IsIn(['AES256', 'aws:kms']) S3_SSE?: 'AES256' | 'aws:kms';
  @IsOptional() @IsString() S3_SSE_KMS_KEY_ID?: string;

  @Transform(toByteCount)
  @IsNumber({ allowNaN: false }, { message: 'MAX_FILE_SIZE must be a size such as 50MB, 500KB or 1GB' })
  @Min(1)
  MAX_FILE_SIZE: number = bytes.parse('50MB') as number;
  @Transform(toList) @IsIn(AUDIO_FORMATS, { each: true }) ALLOWED_AUDIO_FORMATS: string[] = [
    'mp3',
    'wav',
    'm4a',
    'flac',
    'ogg',
    'webm',
  ];
  @Transform(toList) @IsIn(IMAGE_FORMATS, { each: true }) ALLOWED_IMAGE_FORMATS: string[] = [
    'jpg',
    'jpeg',
    'png',
    'webp',
  ];
  @Transform(toNumber) @IsInt() @Min(1) @Max(2_000_000_000) MAX_IMAGE_PIXELS = 100_000_000;
  // SigV4 presigned URLs live at most 7 days: getSignedUrl throws above.
  @Transform(toNumber) @IsInt() @Min(1) @Max(604_800) UPLOAD_URL_TTL = 900;

  // In-memory cache of write-once records (media, analyses, result caches); TTL 0 turns it off.
  @Transform(toNumber) @IsInt() @Min(1) METADATA_CACHE_ENTRIES = 10_000;
  @Transform(toByteCount)
  @IsNumber({ allowNaN: false }, { message: 'METADATA_CACHE_BYTES must be a size such as 64MB' })
  @Min(1024)
  METADATA_CACHE_BYTES = 64 * 1024 * 1024;
  @Transform(toNumber) @IsInt() @Min(0) METADATA_CACHE_TTL_MS = 5_000;
  @IsOptional() @IsString() @MinLength(16) UPLOAD_SIGNING_SECRET?: string;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) PUBLIC_BASE_URL?: string;

  @Transform(toLowerCase) @IsIn(['local', 'aws']) TRANSCRIBE_PROVIDER: 'local' | 'aws' = 'local';
  @IsString() @MinLength(2) TRANSCRIBE_LANGUAGE_CODE = 'en-US';
  @IsOptional() @Transform(toNumber) @IsInt() @Min(1) TRANSCRIBE_CONCURRENCY?: number;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) ORCHESTRATOR_SERVICE_URL?: string;
  @IsOptional() @IsString() @MinLength(16) CALLBACK_SIGNING_SECRET?: string;
  @Transform(toNumber) @IsInt() @Min(1) @Max(86_400) TRANSCRIBE_JOB_TIMEOUT = 1800;
  @Transform(toNumber) @IsInt() @Min(0) @Max(600) TRANSCRIBE_MAX_WAIT = 60;
  @Transform(toNumber) @IsInt() @Min(1) @Max(100) TRANSCRIBE_BATCH_MAX = 10;
  @Transform(toNumber) @IsNumber() @Min(0) TRANSCRIBE_MIN_DURATION = 0.5;
  @Transform(toNumber) @IsNumber() @Min(1) TRANSCRIBE_MAX_DURATION = 14_400;
  @Transform(toNumber) @IsInt() @Min(100) TRANSCRIBE_POLL_INTERVAL_MS = 5_000;
  @IsString() TRANSCRIBE_OUTPUT_PREFIX = 'transcribe-output/';
  @IsString() @MinLength(1) FFMPEG_PATH = 'ffmpeg';
  @IsString() @MinLength(1) POCKETSPHINX_PATH = 'pocketsphinx_continuous';
  @IsString() @MinLength(1) POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
  @IsString()
  @Matches(/^[\w .\-+/=:]*$/, { message: 'POCKETSPHINX_ARGS must be plain space-separated options' })
  POCKETSPHINX_ARGS = '-warp_params 1.08 -maxhmmpf 10000';
  /** Language model file; unset: en-us.lm.bin of POCKETSPHINX_MODEL_DIR (npm run build:shopping-lm builds another). */
  @IsOptional() @IsString() POCKETSPHINX_LM?: string;
  /**
   * Shopping model: decodes first, its transcript kept when it hears a request, else the general
   * model decodes (language-model-routing.ts); built by npm run build:shopping-lm (scripts/setup.sh
   * runs it). Empty: one pass, general model.
   */
  @IsString() POCKETSPHINX_SHOPPING_LM = 'models/speech/en-us-shopping.lm.bin';
  @Transform(toNumber) @IsInt() @Min(1) @Max(10) CALLBACK_MAX_ATTEMPTS = 5;
  @Transform(toNumber) @IsInt() @Min(1) CALLBACK_RETRY_BASE_MS = 1_000;
  @Transform(toNumber) @IsInt() @Min(100) CALLBACK_TIMEOUT_MS = 10_000;

  @Transform(toLowerCase) @IsIn(['local', 'aws']) IMAGE_ANALYSIS_PROVIDER: 'local' | 'aws' = 'local';
  @Transform(toNumber) @IsInt() @Min(1) @Max(1000) REKOGNITION_MAX_LABELS = 10;
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) REKOGNITION_MIN_CONFIDENCE = 0.7;
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) IMAGE_LOCAL_MIN_CONFIDENCE = 0.6;
  @IsOptional() @Transform(toNumber) @IsInt() @Min(1) @Max(16) IMAGE_ANALYSIS_WORKERS?: number;
  @IsOptional() @Transform(toNumber) @IsInt() @Min(1) @Max(16) IMAGE_OCR_WORKERS?: number;
  @Transform(toList) @IsIn(LOCAL_IMAGE_MODELS, { each: true }) IMAGE_LOCAL_MODELS: LocalImageModel[] = [
    ...LOCAL_IMAGE_MODELS,
  ];
  @Transform(toBoolean) @IsBoolean() IMAGE_ANALYSIS_PRELOAD = true;
  @Transform(toNumber) @IsInt() @Min(256) @Max(10_000) IMAGE_WORKING_MAX_SIDE = 2048;
  @Transform(toNumber) @IsInt() @Min(1) @Max(100) IMAGE_BATCH_MAX_ITEMS = 10;
  @Transform(toNumber) @IsInt() @Min(1) @Max(16) IMAGE_BATCH_CONCURRENCY = 2;

  @Transform(toNumber) @IsNumber() @Min(1) OPENAI_MAX_DURATION = 600;
  @Transform(toByteCount)
  @IsNumber({ allowNaN: false }, { message: 'MAX_RESUMABLE_SIZE must be a size such as 2GB or 500MB' })
  @Min(1)
  MAX_RESUMABLE_SIZE: number = bytes.parse('2GB') as number;
  @Transform(toNumber) @IsInt() @Min(1) RESUMABLE_EXPIRY = 86_400;
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  @Transform(toLowerCase) @IsIn(['all', 'api', 'worker']) SERVICE_ROLE: 'all' | 'api' | 'worker' = 'all';
  // Shorter: a killed worker's jobs are taken over sooner, but a stalled event loop loses its lock.
  @Transform(toNumber) @IsInt() @Min(1_000) QUEUE_LOCK_MS = 10_000;
  @Transform(toNumber) @IsInt() @Min(1) @Max(10) JOB_MAX_INTERRUPTIONS = 3;

  @Transform(toNumber) @IsInt() @Min(0) RATE_LIMIT_PER_MINUTE = 600;
  @Transform(toNumber) @IsInt() @Min(0) SHUTDOWN_GRACE_MS = 10_000;
  // Above the ALB's 60 s idle timeout, so the balancer never reuses a socket the service just closed.
  @Transform(toNumber) @IsInt() @Min(1_000) HTTP_KEEP_ALIVE_TIMEOUT_MS = 65_000;
  @IsOptional() @IsEnum({ json: 'json', pretty: 'pretty' }) LOG_FORMAT?: 'json' | 'pretty';

  @Transform(toBoolean) @IsBoolean() METRICS_ENABLED = true;
  @Transform(emptyAsUnset) @IsOptional() @IsString() @MinLength(16) METRICS_TOKEN?: string;
  @Transform(emptyAsUnset) @IsOptional() @IsString() AWS_PRICE_TABLE?: string;
  @Transform(toBoolean) @IsBoolean() TRACING_ENABLED = true;
  @Transform(emptyAsUnset)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  @IsString() @MinLength(1) OTEL_SERVICE_NAME = 'media-service';
  @IsOptional() @IsString() @MinLength(16) HEALTH_DETAILS_TOKEN?: string;
  // Security (auth, caches, CORS, callbacks, malware scanning); combinations checked in validateSecurity.
  @Transform(toLowerCase) @IsIn(['none', 'jwt']) AUTH_MODE: 'none' | 'jwt' = 'none';
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters' })
  AUTH_JWT_SECRET?: string;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) AUTH_JWKS_URL?: string;
  @IsOptional() @IsString() @MinLength(1) AUTH_JWT_ISSUER?: string;
  @IsOptional() @IsString() @MinLength(1) AUTH_JWT_AUDIENCE?: string;
  @Transform(toNumber) @IsInt() @Min(0) @Max(600) AUTH_CLOCK_TOLERANCE_S = 30;
  @IsString() @MinLength(1) AUTH_OWNER_CLAIM = 'sub';
  @Transform(toBoolean) @IsBoolean() AUTH_REQUIRE_SCOPES = true;
  @Transform(toBoolean) @IsBoolean() AUTH_DOCS_PUBLIC = true;
  @Transform(toNumber) @IsInt() @Min(100) @Max(60_000) AUTH_JWKS_TIMEOUT_MS = 5_000;
  @Transform(toLowerCase) @IsIn(['owner', 'global']) CACHE_SCOPE: 'owner' | 'global' = 'owner';
  @IsOptional() @IsString() CORS_ORIGINS?: string;
  @IsOptional() @IsString() CALLBACK_ALLOWED_HOSTS?: string;
  @Transform(toLowerCase) @IsIn(['none', 'clamav']) MALWARE_SCANNER: 'none' | 'clamav' = 'none';
  @IsString() @MinLength(1) CLAMD_HOST = '127.0.0.1';
  @Transform(toNumber) @IsInt() @Min(1) @Max(65535) CLAMD_PORT = 3310;
  @IsOptional() @IsString() @MinLength(1) CLAMD_SOCKET?: string;
  @Transform(toNumber) @IsInt() @Min(100) CLAMD_TIMEOUT_MS = 30_000;
  @Transform(toBoolean) @IsBoolean() MALWARE_SCAN_FAIL_OPEN = false;
}

function describe(error: ValidationError, prefix = ''): string[] {
  const name = prefix ? `${prefix}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((message) =>
    message.startsWith(error.property) ? message : `${name}: ${message}`,
  );
  const nested = (error.children ?? []).flatMap((child) => describe(child, name));
  return [...own, ...nested];
}

// Variables for which an empty value means something (no key prefix, the engine's own options).
const EMPTY_IS_A_VALUE = new Set([
  'S3_PREFIX',
  'TRANSCRIBE_OUTPUT_PREFIX',
  'POCKETSPHINX_ARGS',
  'POCKETSPHINX_SHOPPING_LM',
]);

/**
 * `NAME=` (as in .env.example) means "not set": the default applies, so a copied example file
 * starts the service. Only the variables where empty is a value of its own keep it.
 */
function withoutEmptyValues(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(raw).filter(
      ([name, value]) => EMPTY_IS_A_VALUE.has(name) || !(typeof value === 'string' && value.trim() === ''),
    ),
  );
}

/**
 * LOG_FORMAT=pretty loads pino-pretty, a dev dependency: absent from the production image, it
 * would crash the logger with a stack trace. Named here as one line instead.
 */
export function assertLogFormatUsable(
  format: string | undefined,
  resolve: (id: string) => string = require.resolve,
): void {
  if (format !== 'pretty') return;
  try {
    resolve('pino-pretty');
  } catch {
    throw new Error(
      'Invalid configuration: LOG_FORMAT=pretty needs the pino-pretty package (a dev dependency, absent from ' +
        'production installs): use LOG_FORMAT=json, or install dev dependencies',
    );
  }
}

/** Combinations the per-variable rules cannot see; the first problem, naming the variable. */
function securityProblem(env: Environment): string | undefined {
  if (env.AUTH_MODE === 'jwt') {
    if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
      return 'AUTH_JWT_SECRET or AUTH_JWKS_URL is required with AUTH_MODE=jwt';
    }
    if (env.AUTH_JWT_SECRET && env.AUTH_JWKS_URL) {
      return 'AUTH_JWT_SECRET and AUTH_JWKS_URL are exclusive: give one (HS256 secret or RS256/ES256 key set)';
    }
  }
  if (env.CORS_ORIGINS !== undefined) {
    const bad = env.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin && origin !== '*' && !/^https?:\/\/[^/\s]+$/i.test(origin));
    if (bad.length) return `CORS_ORIGINS: '${bad[0]}' is not '*' or an origin such as https://shop.example.com`;
  }
  for (const entry of (env.CALLBACK_ALLOWED_HOSTS ?? '').split(',').map((item) => item.trim())) {
    if (entry.includes('/') && !ipaddr.isValidCIDR(entry)) {
      return `CALLBACK_ALLOWED_HOSTS: '${entry}' is not a CIDR such as 10.0.0.0/8 or fd00::/8`;
    }
  }
  return undefined;
}

/** Validates raw environment variables; throws one line per bad variable, naming it. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const environment = plainToInstance(Environment, withoutEmptyValues(raw), { exposeDefaultValues: true });
  const errors = validateSync(environment, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.flatMap((error) => describe(error));
    throw new Error(`Invalid configuration: ${lines.join('; ')}`);
  }
  assertLogFormatUsable(environment.LOG_FORMAT);
  const security = securityProblem(environment);
  if (security) throw new Error(`Invalid configuration: ${security}`);
  return environment;
}

let validated: { source: string; environment: Environment } | undefined;

/**
 * The process environment, validated once and cached: main.ts and every config namespace ask
 * for it. It is validated again only when process.env has changed since (tests that build apps
 * with other settings in one process).
 */
export function validateProcessEnvironment(): Environment {
  const source = JSON.stringify(process.env);
  if (validated?.source !== source) validated = { source, environment: validateEnvironment(process.env) };
  return validated.environment;
}
