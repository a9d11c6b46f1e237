import { registerAs } from '@nestjs/config';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { validateProcessEnvironment } from './environment';

/*
 * Typed configuration namespaces. Each feature injects only its own slice:
 *   constructor(@Inject(storageConfig.KEY) private readonly config: StorageConfig) {}
 * These factories are the only code that reads process.env.
 */

const environment = validateProcessEnvironment;

export const appConfig = registerAs('app', () => {
  const env = environment();
  return {
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? 'json',
    debug: env.DEBUG,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    /** Bearer token that unlocks /health/ready's details for remote callers (loopback sees them). */
    healthDetailsToken: env.HEALTH_DETAILS_TOKEN,
  };
});
export type AppConfig = ReturnType<typeof appConfig>;

export const storageConfig = registerAs('storage', () => {
  const env = environment();
  const allowedImageFormats = env.ALLOWED_IMAGE_FORMATS;
  return {
    driver: env.STORAGE_DRIVER,
    dataDir: resolve(env.DATA_DIR),
    bucket: env.S3_BUCKET_NAME,
    /** Key prefix for everything this service writes; normalised to end with "/" unless empty. */
    prefix: env.S3_PREFIX === '' ? '' : env.S3_PREFIX.replace(/^\/+/, '').replace(/\/*$/, '/'),
    serverSideEncryption: env.S3_SSE,
    kmsKeyId: env.S3_SSE_KMS_KEY_ID,
    maxFileSize: env.MAX_FILE_SIZE,
    allowedAudioFormats: env.ALLOWED_AUDIO_FORMATS,
    // "jpg" and "jpeg" name one format: allowing either allows both.
    allowedImageFormats: allowedImageFormats.some((f) => f === 'jpg' || f === 'jpeg')
      ? [...new Set([...allowedImageFormats, 'jpg', 'jpeg'])]
      : allowedImageFormats,
    /** Images with more pixels than this are refused before decoding (decompression bombs). */
    maxImagePixels: env.MAX_IMAGE_PIXELS,
    uploadUrlTtlSeconds: env.UPLOAD_URL_TTL,
    uploadSigningSecret: env.UPLOAD_SIGNING_SECRET,
    recordCache: {
      maxEntries: env.METADATA_CACHE_ENTRIES,
      maxBytes: env.METADATA_CACHE_BYTES,
      ttlMs: env.METADATA_CACHE_TTL_MS,
    },
  };
});
export type StorageConfig = ReturnType<typeof storageConfig>;

export const awsConfig = registerAs('aws', () => {
  const env = environment();
  return {
    region: env.AWS_REGION,
    /** Keys given: those (with the session token of temporary keys); else the SDK's default chain. */
    credentials:
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          }
        : undefined,
    requestTimeoutMs: env.AWS_REQUEST_TIMEOUT_MS,
    s3Endpoint: env.S3_ENDPOINT,
    /** S3_ENDPOINT is a proxy or alias in front of AWS S3, so Transcribe can read the bucket. */
    s3EndpointIsAws: env.S3_ENDPOINT_IS_AWS,
    /** Endpoint clients reach, for presigned URLs and redirects (S3_ENDPOINT may be internal). */
    s3PublicEndpoint: env.S3_PUBLIC_ENDPOINT,
    s3ForcePathStyle: env.S3_FORCE_PATH_STYLE,
    /** Which SDK clients the selected backends need; the others are never created. */
    needs: {
      s3: env.STORAGE_DRIVER === 's3' || env.TRANSCRIBE_PROVIDER === 'aws',
      transcribe: env.TRANSCRIBE_PROVIDER === 'aws',
      rekognition: env.IMAGE_ANALYSIS_PROVIDER === 'aws',
    },
  };
});
export type AwsConfig = ReturnType<typeof awsConfig>;

export const transcriptionConfig = registerAs('transcription', () => {
  const env = environment();
  return {
    provider: env.TRANSCRIBE_PROVIDER,
    languageCode: env.TRANSCRIBE_LANGUAGE_CODE,
    /** Jobs run at once: local engine processes, or AWS jobs being followed (mostly waiting). */
    concurrency: env.TRANSCRIBE_CONCURRENCY ?? (env.TRANSCRIBE_PROVIDER === 'aws' ? 20 : Math.max(1, cpus().length)),
    orchestratorUrl: env.ORCHESTRATOR_SERVICE_URL,
    callbackSigningSecret: env.CALLBACK_SIGNING_SECRET,
    /** Seconds a job may run before it is killed and failed. */
    jobTimeoutSeconds: env.TRANSCRIBE_JOB_TIMEOUT,
    /** Upper bound of ?wait=N. */
    maxWaitSeconds: env.TRANSCRIBE_MAX_WAIT,
    batchMax: env.TRANSCRIBE_BATCH_MAX,
    minDurationSeconds: env.TRANSCRIBE_MIN_DURATION,
    maxDurationSeconds: env.TRANSCRIBE_MAX_DURATION,
    /** AWS: how often GetTranscriptionJob is asked. */
    pollIntervalMs: env.TRANSCRIBE_POLL_INTERVAL_MS,
    /** AWS: where Transcribe writes transcripts, inside S3_BUCKET_NAME under S3_PREFIX. */
    outputPrefix: env.TRANSCRIBE_OUTPUT_PREFIX.replace(/^\/+/, '').replace(/\/*$/, '/'),
    storageDriver: env.STORAGE_DRIVER,
    engine: {
      ffmpegPath: env.FFMPEG_PATH,
      pocketsphinxPath: env.POCKETSPHINX_PATH,
      modelDir: env.POCKETSPHINX_MODEL_DIR,
      /** -lm file; unset: the model dir's general en-us.lm.bin. */
      languageModel: env.POCKETSPHINX_LM,
      /** Decodes first, kept when it hears a shopping request (else the general model); '' turns that off. */
      shoppingLanguageModel: env.POCKETSPHINX_SHOPPING_LM,
      /** Extra decoder options (a frequency warp and a cap on the search, chosen on the eval's held-out set). */
      extraArgs: env.POCKETSPHINX_ARGS.split(/\s+/).filter(Boolean),
      /** Where binaries named without a path are looked for (the process's PATH). */
      searchPath: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    },
    callback: {
      maxAttempts: env.CALLBACK_MAX_ATTEMPTS,
      retryBaseMs: env.CALLBACK_RETRY_BASE_MS,
      timeoutMs: env.CALLBACK_TIMEOUT_MS,
    },
  };
});
export type TranscriptionConfig = ReturnType<typeof transcriptionConfig>;

export const imageAnalysisConfig = registerAs('imageAnalysis', () => {
  const env = environment();
  return {
    provider: env.IMAGE_ANALYSIS_PROVIDER,
    maxLabels: env.REKOGNITION_MAX_LABELS,
    /** Default min_confidence for Rekognition (its scores are calibrated 0-100). */
    minConfidence: env.REKOGNITION_MIN_CONFIDENCE,
    /** Default min_confidence for the local engines (CenterNet's true hits score 0.45-0.6). */
    localMinConfidence: env.IMAGE_LOCAL_MIN_CONFIDENCE,
    /** Vision worker threads (Human + nsfwjs), each with its own models (~250 MB). */
    visionWorkers: env.IMAGE_ANALYSIS_WORKERS ?? Math.max(1, Math.min(2, cpus().length)),
    /** tesseract.js workers. */
    ocrWorkers: env.IMAGE_OCR_WORKERS ?? Math.max(1, Math.min(2, cpus().length)),
    /** The local models loaded (the rest never are: their analysis types are refused). */
    localModels: env.IMAGE_LOCAL_MODELS,
    /** Load the local models in the background at start (else on the first request). */
    preload: env.IMAGE_ANALYSIS_PRELOAD,
    /** Longest side of the decoded working copy every analysis type derives its input from. */
    workingMaxSide: env.IMAGE_WORKING_MAX_SIDE,
    batchMaxItems: env.IMAGE_BATCH_MAX_ITEMS,
    batchConcurrency: env.IMAGE_BATCH_CONCURRENCY,
  };
});
export type ImageAnalysisConfig = ReturnType<typeof imageAnalysisConfig>;

export const observabilityConfig = registerAs('observability', () => {
  const env = environment();
  return {
    metricsEnabled: env.METRICS_ENABLED,
    /** When set, GET /metrics wants `Authorization: Bearer <token>`. */
    metricsToken: env.METRICS_TOKEN,
    /** JSON file replacing the built-in AWS price table (validated at start). */
    priceTablePath: env.AWS_PRICE_TABLE ? resolve(env.AWS_PRICE_TABLE) : undefined,
    region: env.AWS_REGION,
    tracingEnabled: env.TRACING_ENABLED,
    /** OTLP/HTTP collector base URL; spans are exported only when it is set. */
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, ''),
    serviceName: env.OTEL_SERVICE_NAME,
  };
});
export type ObservabilityConfig = ReturnType<typeof observabilityConfig>;

export const securityConfig = registerAs('security', () => {
  const env = environment();
  const list = (value?: string) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  return {
    auth: {
      mode: env.AUTH_MODE,
      jwtSecret: env.AUTH_JWT_SECRET,
      jwksUrl: env.AUTH_JWKS_URL,
      jwksTimeoutMs: env.AUTH_JWKS_TIMEOUT_MS,
      issuer: env.AUTH_JWT_ISSUER,
      audience: env.AUTH_JWT_AUDIENCE,
      clockToleranceSeconds: env.AUTH_CLOCK_TOLERANCE_S,
      ownerClaim: env.AUTH_OWNER_CLAIM,
      requireScopes: env.AUTH_REQUIRE_SCOPES,
      docsPublic: env.AUTH_DOCS_PUBLIC,
    },
    /** 'owner': result caches are keyed per owner; 'global': shared by identical bytes and options. */
    cacheScope: env.CACHE_SCOPE,
    /** Allowed browser origins ('*' for any); empty: no CORS headers at all. */
    corsOrigins: list(env.CORS_ORIGINS),
    /** Host names or CIDRs callbacks may reach although they resolve to internal addresses. */
    callbackAllowedHosts: list(env.CALLBACK_ALLOWED_HOSTS).map((item) => item.toLowerCase()),
    orchestratorUrl: env.ORCHESTRATOR_SERVICE_URL,
    malware: {
      scanner: env.MALWARE_SCANNER,
      host: env.CLAMD_HOST,
      port: env.CLAMD_PORT,
      socket: env.CLAMD_SOCKET,
      timeoutMs: env.CLAMD_TIMEOUT_MS,
      failOpen: env.MALWARE_SCAN_FAIL_OPEN,
    },
  };
});
export type SecurityConfig = ReturnType<typeof securityConfig>;

export const openAiConfig = registerAs('openai', () => {
  const env = environment();
  return {
    /** Longest audio (seconds) the synchronous OpenAI-compatible endpoint transcribes. */
    maxDurationSeconds: env.OPENAI_MAX_DURATION,
  };
});
export type OpenAiConfig = ReturnType<typeof openAiConfig>;

export const resumableConfig = registerAs('resumable', () => {
  const env = environment();
  return {
    /** Largest tus upload (Upload-Length), instead of MAX_FILE_SIZE on that path. */
    maxSize: env.MAX_RESUMABLE_SIZE,
    /** Seconds an incomplete upload is kept after its creation. */
    expirySeconds: env.RESUMABLE_EXPIRY,
  };
});
export type ResumableConfig = ReturnType<typeof resumableConfig>;

/** The shared queue (BullMQ on Redis when REDIS_URL is set) and what this process does with it. */
export const queueConfig = registerAs('queue', () => {
  const env = environment();
  return {
    redisUrl: env.REDIS_URL,
    /** `api` takes requests and enqueues, `worker` runs the engines, `all` does both. */
    role: env.SERVICE_ROLE,
    /** A worker that stops renewing a job's lock this long (kill -9) loses the job to another. */
    lockMs: env.QUEUE_LOCK_MS,
    /** Times a job's worker may die or be stopped under it before the job is failed (a poison job). */
    maxInterruptions: env.JOB_MAX_INTERRUPTIONS,
  };
});
export type QueueConfig = ReturnType<typeof queueConfig>;

export const allConfigs = [
  appConfig,
  storageConfig,
  awsConfig,
  transcriptionConfig,
  imageAnalysisConfig,
  observabilityConfig,
  securityConfig,
  openAiConfig,
  resumableConfig,
  queueConfig,
];
