import bytes from 'bytes';
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

function toLowerCase({ value }: { value: unknown }): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}

export const AUDIO_FORMATS = ['mp3', 'wav', 'm4a', 'flac', 'ogg', 'webm'] as const;
export const IMAGE_FORMATS = ['jpg', 'jpeg', 'png', 'webp'] as const;
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
  @Transform(toNumber) @IsInt() @Min(100) AWS_REQUEST_TIMEOUT_MS = 30_000;

  @Transform(toLowerCase) @IsIn(['local', 's3']) STORAGE_DRIVER: 'local' | 's3' = 'local';
  @IsString() @MinLength(1) DATA_DIR = './data';
  @IsString() @MinLength(3) S3_BUCKET_NAME = 'talknshop-media';
  @IsString() S3_PREFIX = 'uploads/';
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) S3_ENDPOINT?: string;
  @Transform(toBoolean) @IsBoolean() S3_FORCE_PATH_STYLE = false;
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
  @Transform(toNumber) @IsInt() @Min(1) UPLOAD_URL_TTL = 900;
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
  POCKETSPHINX_ARGS = '-pl_window 10 -maxhmmpf 3000 -topn 2';
  @Transform(toNumber) @IsInt() @Min(1) @Max(10) CALLBACK_MAX_ATTEMPTS = 5;
  @Transform(toNumber) @IsInt() @Min(1) CALLBACK_RETRY_BASE_MS = 1_000;
  @Transform(toNumber) @IsInt() @Min(100) CALLBACK_TIMEOUT_MS = 10_000;

  @Transform(toLowerCase) @IsIn(['local', 'aws']) IMAGE_ANALYSIS_PROVIDER: 'local' | 'aws' = 'local';
  @Transform(toNumber) @IsInt() @Min(1) @Max(1000) REKOGNITION_MAX_LABELS = 10;
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) REKOGNITION_MIN_CONFIDENCE = 0.7;
  @Transform(toNumber) @IsNumber() @Min(0) @Max(1) IMAGE_LOCAL_MIN_CONFIDENCE = 0.6;
  @IsOptional() @Transform(toNumber) @IsInt() @Min(1) @Max(16) IMAGE_ANALYSIS_WORKERS?: number;
  @IsOptional() @Transform(toNumber) @IsInt() @Min(1) @Max(16) IMAGE_OCR_WORKERS?: number;
  @Transform(toBoolean) @IsBoolean() IMAGE_ANALYSIS_PRELOAD = true;
  @Transform(toNumber) @IsInt() @Min(256) @Max(10_000) IMAGE_WORKING_MAX_SIDE = 2048;
  @Transform(toNumber) @IsInt() @Min(1) @Max(100) IMAGE_BATCH_MAX_ITEMS = 10;
  @Transform(toNumber) @IsInt() @Min(1) @Max(16) IMAGE_BATCH_CONCURRENCY = 2;

  @Transform(toNumber) @IsInt() @Min(0) RATE_LIMIT_PER_MINUTE = 600;
  @Transform(toNumber) @IsInt() @Min(0) SHUTDOWN_GRACE_MS = 10_000;
  @IsOptional() @IsEnum({ json: 'json', pretty: 'pretty' }) LOG_FORMAT?: 'json' | 'pretty';
}

function describe(error: ValidationError, prefix = ''): string[] {
  const name = prefix ? `${prefix}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).map((message) =>
    message.startsWith(error.property) ? message : `${name}: ${message}`,
  );
  const nested = (error.children ?? []).flatMap((child) => describe(child, name));
  return [...own, ...nested];
}

/** Validates raw environment variables; throws one line per bad variable, naming it. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const environment = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(environment, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.flatMap((error) => describe(error));
    throw new Error(`Invalid configuration: ${lines.join('; ')}`);
  }
  return environment;
}

/** The process environment, validated (used once at start, before Nest is created). */
export function validateProcessEnvironment(): Environment {
  return validateEnvironment(process.env);
}
