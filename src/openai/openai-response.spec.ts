import { deflateSync } from 'node:zlib';
import { toSrt } from '../transcription/formats/subtitles';
import type { TranscriptResult, Word } from '../transcription/transcription.types';
import { languageCodeOf, languageNameOf } from './openai-language';
import { render, segmentsOf } from './openai-response';

const word = (text: string, start: number, end: number, confidence = 0.9): Word => ({
  word: text,
  start_time: start,
  end_time: end,
  confidence,
});

// Two phrases with a 1.5 s pause between them: two cues, so two segments.
const WORDS = [
  word('add', 0.1, 0.3, 1),
  word('the', 0.3, 0.4, 0.5),
  word('boots', 0.4, 0.9, 0.8),
  word('to', 2.4, 2.5),
  word('my', 2.5, 2.7),
  word('cart', 2.7, 3.1),
];
const RESULT: TranscriptResult = {
  transcript: 'add the boots to my cart',
  confidence: 0.85,
  words: WORDS,
  language_code: 'en-US',
  duration: 3.25,
};

describe('OpenAI response shapes', () => {
  it('segments are the subtitle cues, with Whisper statistics from the word confidences', () => {
    const segments = segmentsOf(WORDS);
    expect(segments.map((s) => [s.id, s.start, s.end, s.text])).toEqual([
      [0, 0.1, 0.9, 'add the boots'],
      [1, 2.4, 3.1, 'to my cart'],
    ]);
    expect(segments[0].avg_logprob).toBeCloseTo((Math.log(1) + Math.log(0.5) + Math.log(0.8)) / 3, 3);
    const bytes = Buffer.from('add the boots');
    expect(segments[0].compression_ratio).toBeCloseTo(bytes.length / deflateSync(bytes).length, 3);
    // Same grouping as the srt rendering: one cue per segment.
    expect(toSrt(RESULT).trim().split(/\n\n/)).toHaveLength(segments.length);
  });

  it('verbose_json carries what the granularities ask for', () => {
    const segmentsOnly = render(RESULT, 'verbose_json', [], []).body as Record<string, unknown>;
    expect(segmentsOnly).toMatchObject({ task: 'transcribe', language: 'english', duration: 3.25 });
    expect(segmentsOnly.words).toBeUndefined();
    const wordsOnly = render(RESULT, 'verbose_json', ['word'], ['prompt: ignored']).body as Record<string, unknown>;
    expect(wordsOnly.segments).toBeUndefined();
    expect(wordsOnly.words).toEqual(WORDS.map((w) => ({ word: w.word, start: w.start_time, end: w.end_time })));
    expect(wordsOnly.warnings).toEqual(['prompt: ignored']);
    expect(render(RESULT, 'json', ['word'], ['x']).body).toEqual({ text: RESULT.transcript });
  });

  it('maps ISO-639-1 codes to provider codes, preferring the configured variant', () => {
    expect(languageCodeOf('en', 'en-US')).toBe('en-US');
    expect(languageCodeOf('EN', 'en-GB')).toBe('en-GB');
    expect(languageCodeOf('de', 'en-US')).toBe('de-DE');
    expect(languageCodeOf('english', 'en-US')).toBeUndefined();
    expect(languageCodeOf('xx', 'en-US')).toBeUndefined();
    expect(languageNameOf('pt-BR')).toBe('portuguese');
    expect(languageNameOf('auto')).toBe('auto');
  });
});
