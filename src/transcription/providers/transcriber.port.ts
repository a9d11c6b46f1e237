import type { MediaRecord } from '../../media/media-record';
import type { TranscriptionOptions, TranscriptResult } from '../transcription.types';

/** Injection token of the Transcriber port; TRANSCRIBE_PROVIDER picks the adapter behind it. */
export const TRANSCRIBER = Symbol('TRANSCRIBER');

export interface TranscribeRequest {
  /** Our job id; providers with their own job names use it (idempotent restarts). */
  jobId: string;
  media: MediaRecord;
  options: TranscriptionOptions;
  /** Fires on timeout or shutdown: the provider stops and kills what it started. */
  signal: AbortSignal;
  /** 0..100, as the provider learns it. */
  onProgress?: (percent: number) => void;
}

export interface TranscriberReadiness {
  ready: boolean;
  /** When not ready: what is wrong and how to fix it (the message of the 503 ENGINE_UNAVAILABLE). */
  reason?: string;
  [detail: string]: unknown;
}

/**
 * A speech-to-text engine. Implementations turn a stored media into a TranscriptResult, or throw
 * a TranscriptionError (its code and message end up in the failed job's `error`).
 */
export interface Transcriber {
  readonly name: 'local' | 'aws';
  /** Languages the provider takes (`*` for any); `auto` is accepted when identifiesLanguage. */
  readonly languages: readonly string[];
  readonly identifiesLanguage: boolean;
  readiness(): Promise<TranscriberReadiness>;
  /**
   * The provider's settings that change a transcript beyond the request's options (models, decoder
   * options): part of the result cache key, so a replica or restart with other settings does not
   * serve another setting's transcripts.
   */
  resultVariant?(): string;
  transcribe(request: TranscribeRequest): Promise<TranscriptResult>;
  /** Refuses (4xx AppException) options this provider would take now and fail on later. */
  checkOptions?(options: TranscriptionOptions): void;
  /** Refuses (4xx AppException) audio this provider would take now and fail on later. */
  checkMedia?(media: MediaRecord, options: TranscriptionOptions): void;
}

/** A failure with a stable code (EDECODE, ETIMEDOUT, PROVIDER_ERROR, ...) for the job's error. */
export class TranscriptionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TranscriptionError';
  }
}
