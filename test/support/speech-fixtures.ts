import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repeatWav } from './wav';

/** The speech fixtures (test/fixtures/audio, made by its generate.sh). */
export const AUDIO_DIR = join(__dirname, '..', 'fixtures', 'audio');

export const audio = (name: string): Buffer => readFileSync(join(AUDIO_DIR, name));

/** What each fixture says, by name (sentences.txt: `name|text` lines, `#` comments). */
export const SENTENCES: Record<string, string> = Object.fromEntries(
  readFileSync(join(AUDIO_DIR, 'sentences.txt'), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('|') as [string, string]),
);

/** A WAV of `copies` times the PCM of a 16 kHz mono fixture (longer speech without a big fixture). */
export function repeatedWav(name: string, copies: number): Buffer {
  return repeatWav(audio(name), copies);
}
