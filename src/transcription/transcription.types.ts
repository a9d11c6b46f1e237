/** Shapes shared by the jobs, the providers and the API (the spec's data models, snake_case). */

export const JOB_STATUSES = ['queued', 'in_progress', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const OUTPUT_FORMATS = ['json', 'text', 'srt', 'vtt'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What the caller asked for; the options that change the result are part of the cache key. */
export interface TranscriptionOptions {
  /** BCP-47 code such as en-US, or `auto` to identify the language. */
  language_code: string;
  /** 2..10: label speakers. */
  speaker_count?: number;
  /** AWS custom vocabulary. */
  vocabulary_name?: string;
  /** With `auto` (aws): the 2-5 languages the audio may be in. */
  language_options?: string[];
  output_format: OutputFormat;
}

export interface Word {
  word: string;
  start_time: number;
  end_time: number;
  confidence: number;
}

export interface SpeakerSegment {
  speaker: string;
  start_time: number;
  end_time: number;
  text: string;
}

/** What a provider produces. */
export interface TranscriptResult {
  transcript: string;
  /** Mean word confidence, 0..1 (0 when there are no words). */
  confidence: number;
  words: Word[];
  speakers?: SpeakerSegment[];
  language_code: string;
  /** Seconds of audio. */
  duration: number | null;
  /** Things the caller asked for that this provider ignored. */
  warnings?: string[];
}

export interface JobError {
  code: string;
  message: string;
  /** REPEATEDLY_INTERRUPTED: the attempts and every run, with the worker of each. */
  details?: Record<string, unknown>;
}

/** transcriptions/<id>.json in the store. */
export interface TranscriptionJob {
  transcription_id: string;
  owner: string;
  status: JobStatus;
  /** 0..100. */
  progress: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  media_id: string;
  filename: string;
  sha256: string;
  provider: string;
  options: TranscriptionOptions;
  batch_id?: string;
  callback_url?: string;
  /** W3C traceparent of the submitting request: the job's logs and callbacks continue its trace. */
  traceparent?: string;
  /** Times the job was started (resumed after a restart counts again). */
  attempts: number;
  /** One entry per attempt: which worker ran it and how it ended. */
  runs?: JobRun[];
  cached?: boolean;
  /** Seconds from start to finish. */
  processing_time?: number;
  result?: TranscriptResult;
  error?: JobError;
}

export interface JobRun {
  attempt: number;
  /** The worker process's instance id (host-pid-random). */
  worker: string;
  started_at: string;
  finished_at?: string;
  /** Absent while running; `interrupted` when its worker stopped or died; `retry` when it will run again. */
  outcome?: 'completed' | 'failed' | 'interrupted' | 'retry';
}

export interface BatchRecord {
  batch_id: string;
  owner: string;
  created_at: string;
  items: BatchItem[];
}

export interface BatchItem {
  index: number;
  filename: string;
  transcription_id?: string;
  /** Set when the item was refused before a job existed. */
  error?: JobError;
}
