/**
 * Speech: every item through the service's own engine (ffmpeg -> pocketsphinx_continuous), WER
 * per group with numbers folded (lib/text.ts), real-time factor = wall time / audio seconds.
 */
import { extname, join } from 'node:path';
import { probeAudio } from '../../src/media/inspection/probe';
import type { MediaFormat } from '../../src/media/media-record';
import { CalibrationMode, calibrationReport, CalibrationReport } from '../../src/common/calibration/platt';
import { decodeWithRouting, LanguageModelChoice } from '../../src/transcription/providers/language-model-routing';
import { PocketsphinxEngine } from '../../src/transcription/providers/pocketsphinx-engine';
import { AudioBand, audioBand } from '../../src/transcription/providers/word-confidence';
import { DATA_DIR, EvalSet, ManifestItem, mapLimit } from './common';
import { rightWords, wordErrors } from './text';

export interface SpeechSetting {
  name: string;
  /** pocketsphinx options on top of the service's (-hmm/-lm/-dict/-samprate/-time). */
  args: string[];
  /** ffmpeg -af chain. */
  filter?: string;
  /** -lm file (the service's POCKETSPHINX_LM); the general en-us.lm.bin when unset. */
  languageModel?: string;
  /** The service's POCKETSPHINX_SHOPPING_LM: decodes first; what it hears as no request goes to the general model. */
  shoppingLanguageModel?: string;
  /**
   * Take every recording as narrowband (the telephone curve), whatever its rate: with the
   * filter `aresample=8000`, 16 kHz recordings measured as telephone audio. Unset: the band of
   * the file's sample rate, as the service decides it.
   */
  narrowband?: boolean;
}

export interface SpeechItemResult {
  id: string;
  group: string;
  set: EvalSet;
  errors: number;
  words: number;
  seconds: number;
  audioSeconds: number;
  hypothesis: string;
  /** Each word's confidence as the service returns it (calibrated; pocketsphinx's posterior with --calibration=none). */
  confidences: number[];
  /** Whether each word is right (eval/lib/text.ts rightWords): what the confidences are scored against. */
  rightWords: boolean[];
  languageModel: LanguageModelChoice;
  /** Every decoding pass, in order, with pocketsphinx's posteriors (to compare routing rules offline). */
  passes: { languageModel: LanguageModelChoice; hypothesis: string; posteriors: number[] }[];
  /** Which word-confidence curves applied (word-confidence.ts). */
  band: AudioBand;
}

/** The band the service gives a stored recording: from the sample rate its upload probe reads. */
async function bandOf(path: string): Promise<AudioBand> {
  const format = extname(path).slice(1) as MediaFormat;
  const { sample_rate } = await probeAudio({ path }, format);
  return audioBand(sample_rate);
}

/** pocketsphinx's model folder; EVAL_MODEL_DIR measures another one (an adapted model: adapt-acoustic.ts). */
export const MODEL_DIR = process.env.EVAL_MODEL_DIR || '/usr/share/pocketsphinx/model/en-us';

export async function runSpeech(
  items: ManifestItem[],
  setting: SpeechSetting,
  concurrency = 2,
  calibration: CalibrationMode = 'fitted',
): Promise<SpeechItemResult[]> {
  const engine = new PocketsphinxEngine({
    ffmpegPath: 'ffmpeg',
    pocketsphinxPath: 'pocketsphinx_continuous',
    modelDir: MODEL_DIR,
    extraArgs: setting.args,
    audioFilter: setting.filter,
    languageModel: setting.languageModel,
  });
  return mapLimit(items, concurrency, async (item) => {
    const started = process.hrtime.bigint();
    const signal = AbortSignal.timeout(900_000);
    const path = join(DATA_DIR, item.file);
    const passes: SpeechItemResult['passes'] = [];
    const band = setting.narrowband ? 'narrowband' : await bandOf(path);
    const out = await decodeWithRouting(
      async (languageModel) => {
        const decoded = await engine.run({ path, signal, languageModel });
        passes.push({
          languageModel: languageModel ? 'shopping' : 'general',
          hypothesis: decoded.words.map((w) => w.word).join(' '),
          posteriors: decoded.words.map((w) => w.confidence),
        });
        return decoded;
      },
      setting.shoppingLanguageModel,
      { calibration, band },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const hypothesis = out.words.map((w) => w.word).join(' ');
    const score = wordErrors(item.reference ?? '', hypothesis);
    return {
      id: item.id,
      group: item.group,
      set: item.set,
      ...score,
      seconds,
      audioSeconds: out.duration,
      hypothesis,
      confidences: out.words.map((w) => w.confidence),
      rightWords: rightWords(
        item.reference ?? '',
        out.words.map((w) => w.word),
      ),
      languageModel: out.languageModel,
      passes,
      band,
    };
  });
}

export interface SpeechSummary {
  wer: number;
  errors: number;
  words: number;
  items: number;
  rtf: number;
  secondsPerItem: number;
  /** Items whose transcript is the shopping model's (it heard a request). */
  shoppingTranscripts: number;
  /** The word confidences against which words are right. */
  confidence: CalibrationReport;
}

export function summarise(results: SpeechItemResult[]): SpeechSummary {
  const errors = results.reduce((a, r) => a + r.errors, 0);
  const words = results.reduce((a, r) => a + r.words, 0);
  const seconds = results.reduce((a, r) => a + r.seconds, 0);
  const audio = results.reduce((a, r) => a + r.audioSeconds, 0);
  return {
    wer: words ? errors / words : NaN,
    errors,
    words,
    items: results.length,
    rtf: audio ? seconds / audio : NaN,
    secondsPerItem: results.length ? seconds / results.length : NaN,
    shoppingTranscripts: results.filter((r) => r.languageModel === 'shopping').length,
    confidence: calibrationReport(
      results.flatMap((r) => r.confidences.map((confidence, i) => ({ confidence, right: r.rightWords[i] }))),
    ),
  };
}
