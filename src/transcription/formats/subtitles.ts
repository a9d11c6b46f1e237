import type { TranscriptResult, Word } from '../transcription.types';

/** A subtitle cue: at most MAX_WORDS words or MAX_SECONDS long; a pause over MAX_GAP starts a new one. */
const MAX_WORDS = 8;
const MAX_SECONDS = 4;
const MAX_GAP = 0.8;

export interface Cue {
  start: number;
  end: number;
  text: string;
}

export function cuesOf(words: Word[]): Cue[] {
  const cues: Cue[] = [];
  let current: Word[] = [];
  const flush = () => {
    if (!current.length) return;
    cues.push({
      start: current[0].start_time,
      end: Math.max(current[current.length - 1].end_time, current[0].start_time + 0.001),
      text: current.map((word) => word.word).join(' '),
    });
    current = [];
  };
  for (const word of words) {
    const first = current[0];
    const last = current[current.length - 1];
    if (
      first &&
      (current.length >= MAX_WORDS ||
        word.end_time - first.start_time > MAX_SECONDS ||
        word.start_time - last.end_time > MAX_GAP)
    ) {
      flush();
    }
    current.push(word);
  }
  flush();
  return cues;
}

function timestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

/** SubRip: numbered cues, HH:MM:SS,mmm --> HH:MM:SS,mmm. */
export function toSrt(result: TranscriptResult): string {
  return cuesOf(result.words)
    .map((cue, index) => `${index + 1}\n${timestamp(cue.start, ',')} --> ${timestamp(cue.end, ',')}\n${cue.text}\n`)
    .join('\n');
}

/** WebVTT: the WEBVTT header, then HH:MM:SS.mmm --> HH:MM:SS.mmm cues. */
export function toVtt(result: TranscriptResult): string {
  const cues = cuesOf(result.words).map(
    (cue) => `${timestamp(cue.start, '.')} --> ${timestamp(cue.end, '.')}\n${cue.text.replace(/-->/g, '->')}\n`,
  );
  return ['WEBVTT\n', ...cues].join('\n');
}

export function toText(result: TranscriptResult): string {
  return `${result.transcript}\n`;
}

export const RENDERERS = {
  srt: { contentType: 'application/x-subrip; charset=utf-8', extension: 'srt', render: toSrt },
  vtt: { contentType: 'text/vtt; charset=utf-8', extension: 'vtt', render: toVtt },
  text: { contentType: 'text/plain; charset=utf-8', extension: 'txt', render: toText },
} as const;
