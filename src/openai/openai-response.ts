import { deflateSync } from 'node:zlib';
import { cuesOf, RENDERERS } from '../transcription/formats/subtitles';
import type { TranscriptResult, Word } from '../transcription/transcription.types';
import { languageNameOf } from './openai-language';

export const RESPONSE_FORMATS = ['json', 'text', 'srt', 'vtt', 'verbose_json'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];
export const TIMESTAMP_GRANULARITIES = ['word', 'segment'] as const;
export type TimestampGranularity = (typeof TIMESTAMP_GRANULARITIES)[number];

export interface OpenAiSegment {
  id: number;
  seek: number;
  start: number;
  end: number;
  text: string;
  tokens: number[];
  temperature: number;
  avg_logprob: number;
  compression_ratio: number;
  no_speech_prob: number;
}

export interface OpenAiWord {
  word: string;
  start: number;
  end: number;
}

export interface VerboseTranscription {
  task: 'transcribe';
  language: string;
  duration: number;
  text: string;
  segments?: OpenAiSegment[];
  words?: OpenAiWord[];
  /** Ours, not OpenAI's: options the provider ignored (prompt, speakers, ...). */
  warnings?: string[];
}

export interface RenderedTranscription {
  contentType: string;
  body: string | Record<string, unknown>;
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * Segments are the subtitle cues (the same grouping srt/vtt use, so segment i is cue i+1), with
 * Whisper's per-segment statistics derived from what our providers give: avg_logprob is the mean
 * natural log of the word confidences, compression_ratio is Whisper's (text bytes / zlib bytes).
 */
export function segmentsOf(words: Word[]): OpenAiSegment[] {
  const cues = cuesOf(words);
  let next = 0;
  return cues.map((cue, id) => {
    // Cues are contiguous runs of the words joined by spaces: take words until the text matches.
    const own: Word[] = [];
    while (next < words.length && own.map((word) => word.word).join(' ').length < cue.text.length) {
      own.push(words[next]);
      next += 1;
    }
    const logprobs = own.map((word) => Math.log(Math.min(1, Math.max(word.confidence, 1e-6))));
    const bytes = Buffer.from(cue.text, 'utf8');
    return {
      id,
      seek: 0,
      start: round(cue.start),
      end: round(cue.end),
      text: cue.text,
      tokens: [],
      temperature: 0,
      avg_logprob: logprobs.length ? round(logprobs.reduce((a, b) => a + b, 0) / logprobs.length) : 0,
      compression_ratio: bytes.length ? round(bytes.length / deflateSync(bytes).length) : 0,
      no_speech_prob: 0,
    };
  });
}

/** verbose_json: segments unless only words were asked for, words when asked for (as OpenAI). */
export function toVerbose(
  result: TranscriptResult,
  granularities: TimestampGranularity[],
  warnings: string[],
): VerboseTranscription {
  const wanted = granularities.length ? granularities : ['segment'];
  const verbose: VerboseTranscription = {
    task: 'transcribe',
    language: languageNameOf(result.language_code),
    duration: round(result.duration ?? result.words.at(-1)?.end_time ?? 0),
    text: result.transcript,
  };
  if (wanted.includes('segment')) verbose.segments = segmentsOf(result.words);
  if (wanted.includes('word')) {
    verbose.words = result.words.map((word) => ({
      word: word.word,
      start: round(word.start_time),
      end: round(word.end_time),
    }));
  }
  if (warnings.length) verbose.warnings = warnings;
  return verbose;
}

export function render(
  result: TranscriptResult,
  format: ResponseFormat,
  granularities: TimestampGranularity[],
  warnings: string[],
): RenderedTranscription {
  switch (format) {
    case 'json':
      return { contentType: 'application/json', body: { text: result.transcript } };
    case 'verbose_json':
      return {
        contentType: 'application/json',
        body: toVerbose(result, granularities, warnings) as unknown as Record<string, unknown>,
      };
    default: {
      const renderer = RENDERERS[format];
      return { contentType: renderer.contentType, body: renderer.render(result) };
    }
  }
}
