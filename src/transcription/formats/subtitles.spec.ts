import type { TranscriptResult } from '../transcription.types';
import { cuesOf, toSrt, toText, toVtt } from './subtitles';

const word = (w: string, start: number, end: number) => ({
  word: w,
  start_time: start,
  end_time: end,
  confidence: 0.9,
});
const result = (words: ReturnType<typeof word>[]): TranscriptResult => ({
  transcript: words.map((w) => w.word).join(' '),
  confidence: 0.9,
  words,
  language_code: 'en-US',
  duration: 10,
});

describe('subtitle renderers', () => {
  const words = [
    word('hello', 0.05, 0.4),
    word('there', 0.41, 0.8),
    word('after', 2.0, 2.3),
    word('pause', 2.31, 3661.5),
  ];

  it('cuts cues at pauses', () => {
    expect(cuesOf(words).map((cue) => cue.text)).toEqual(['hello there', 'after', 'pause']);
  });

  it('writes SRT with comma milliseconds and hours', () => {
    expect(toSrt(result(words))).toBe(
      '1\n00:00:00,050 --> 00:00:00,800\nhello there\n\n2\n00:00:02,000 --> 00:00:02,300\nafter\n\n' +
        '3\n00:00:02,310 --> 01:01:01,500\npause\n',
    );
  });

  it('writes WebVTT with its header and dot milliseconds', () => {
    expect(toVtt(result(words.slice(0, 2)))).toBe('WEBVTT\n\n00:00:00.050 --> 00:00:00.800\nhello there\n');
  });

  it('splits long runs of words and renders empty results', () => {
    const many = Array.from({ length: 20 }, (_, i) => word(`w${i}`, i * 0.3, i * 0.3 + 0.25));
    const cues = cuesOf(many);
    expect(cues.length).toBeGreaterThanOrEqual(3);
    expect(cues.every((cue) => cue.text.split(' ').length <= 8 && cue.end - cue.start <= 4)).toBe(true);
    expect(toSrt(result([]))).toBe('');
    expect(toVtt(result([]))).toBe('WEBVTT\n');
    expect(toText(result([]))).toBe('\n');
  });
});
