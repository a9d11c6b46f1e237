import { randomUUID } from 'node:crypto';
import type { MediaRecord } from '../../src/media/media-record';
import type { TranscriptionJob, TranscriptResult } from '../../src/transcription/transcription.types';
import { mediaRecord } from './media-record.factory';

/** A queued job for `media` (a fresh audio record when not given), as submit writes it. */
export function transcriptionJob(
  overrides: Partial<TranscriptionJob> = {},
  media: MediaRecord = mediaRecord(),
): TranscriptionJob {
  return {
    transcription_id: randomUUID(),
    owner: media.owner,
    status: 'queued',
    progress: 0,
    created_at: '2026-11-25T21:00:01.000Z',
    media_id: media.media_id,
    filename: media.filename,
    sha256: media.sha256,
    provider: 'local',
    options: { language_code: 'en-US', output_format: 'json' },
    attempts: 0,
    ...overrides,
  };
}

/** A provider's result with one word a second: "i need a monitor" unless words are given. */
export function transcriptResult(overrides: Partial<TranscriptResult> = {}): TranscriptResult {
  const words = (overrides.transcript ?? 'i need a monitor').split(' ').map((word, index) => ({
    word,
    start_time: index,
    end_time: index + 0.8,
    confidence: 0.9,
  }));
  return {
    transcript: words.map((word) => word.word).join(' '),
    confidence: 0.9,
    words,
    language_code: 'en-US',
    duration: words.length,
    ...overrides,
  };
}

/** A job as a finished run leaves it. */
export function completedJob(overrides: Partial<TranscriptionJob> = {}, media?: MediaRecord): TranscriptionJob {
  const result = overrides.result ?? transcriptResult();
  return transcriptionJob(
    {
      status: 'completed',
      progress: 100,
      attempts: 1,
      started_at: '2026-11-25T21:00:02.000Z',
      finished_at: '2026-11-25T21:00:03.000Z',
      processing_time: 1,
      result,
      ...overrides,
    },
    media,
  );
}
