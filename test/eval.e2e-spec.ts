/**
 * The CI subset of `npm run eval` (eval/): the committed speech and image items flagged
 * `subset`, through the service's own engines, held to floors a little below the figures
 * measured when the defaults were chosen (README, "Recognition quality"). A change that makes
 * recognition clearly worse fails here; the full run (`npm run eval`) gives the real figures.
 */
import { evaluateImages, evaluateSpeech, serviceSpeechSetting } from '../eval/run';
import { foldNumbers, rightWords, wordErrors } from '../eval/lib/text';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendumpToMixtureWeights } from '../eval/adapt-acoustic';
import { MODEL_DIR } from '../eval/lib/speech';

describe('eval: scoring', () => {
  it('counts "twenty seven" and "27" as the same word', () => {
    expect(wordErrors('a 27 inch monitor under 50 dollars', 'a twenty seven inch monitor under fifty dollars')).toEqual(
      {
        errors: 0,
        words: 7,
      },
    );
    expect(wordErrors('size 9 shoes', 'size nine blues')).toEqual({ errors: 1, words: 3 });
    expect(foldNumbers(['three', 'hundred', 'forty', 'two'])).toEqual(['342']);
    expect(foldNumbers(['one', 'two', 'three'])).toEqual(['1', '2', '3']);
    expect(foldNumbers(['sixty', 'eight', 'thousand'])).toEqual(['68000']);
  });

  it('marks each engine word right or wrong against the reference (what word confidences are scored on)', () => {
    // a spoken number is right or wrong as one token
    expect(rightWords('a 27 inch monitor', ['a', 'twenty', 'seven', 'inch', 'monitor'])).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(rightWords('a 27 inch monitor', ['a', 'twenty', 'six', 'inch', 'monitor'])).toEqual([
      true,
      false,
      false,
      true,
      true,
    ]);
    // substitutions and insertions are wrong; a contraction matches its expansion
    expect(rightWords('i am looking for a red mug', ["i'm", 'looking', 'for', 'the', 'red', 'mug', 'please'])).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      false,
    ]);
    expect(rightWords('size 9 shoes', [])).toEqual([]);
  });
});

describe('eval: acoustic adaptation (adapt-acoustic.ts)', () => {
  it("turns the Debian model's 8-bit sendump into the mixture weights SphinxTrain reads", () => {
    const file = sendumpToMixtureWeights(readFileSync(join(MODEL_DIR, 'en-us', 'sendump')));
    const text = file.toString('latin1', 0, 64);
    expect(text.startsWith('s3\nversion 1.0\n')).toBe(true);
    const data = text.indexOf('endhdr\n') + 'endhdr\n'.length;
    expect(data % 4).toBe(0); // SphinxTrain reads the numbers on a 4-byte boundary
    expect(file.readInt32LE(data)).toBe(0x11223344);
    // the en-us PTM model (its mdef: 5126 senones; feat.params: 3 streams; 128 Gaussians a codebook)
    const [senones, streams, gaussians, count] = [4, 8, 12, 16].map((at) => file.readUInt32LE(data + at));
    expect([senones, streams, gaussians, count]).toEqual([5126, 3, 128, 5126 * 3 * 128]);
    const weights = new Float32Array(file.buffer.slice(file.byteOffset + data + 20, file.byteOffset + file.length));
    expect(weights.length).toBe(count);
    // every senone's mixture in every stream is a distribution (8-bit logs lose a few percent)
    for (const senone of [0, 1, 2500, 5125]) {
      for (let stream = 0; stream < streams; stream += 1) {
        const mixture = weights.subarray(
          (senone * streams + stream) * gaussians,
          (senone * streams + stream + 1) * gaussians,
        );
        const sum = mixture.reduce((a, b) => a + b, 0);
        expect(sum).toBeGreaterThan(0.9);
        expect(sum).toBeLessThanOrEqual(1.0001);
        expect(Math.min(...mixture)).toBeGreaterThan(0);
      }
    }
  });
});

describe('eval: CI subset on the real engines', () => {
  it('speech: word error rate of the service defaults', async () => {
    const report = await evaluateSpeech(serviceSpeechSetting(), true);
    expect(report.items.length).toBeGreaterThanOrEqual(8);
    // every clip gave words (an engine that silently returns nothing fails here)
    expect(report.items.every((item) => item.hypothesis.length > 0)).toBe(true);
    expect(report.sets.heldout['synthetic-slt'].wer).toBeLessThanOrEqual(SPEECH_FLOORS.heldoutSlt);
    expect(report.sets.heldout.real.wer).toBeLessThanOrEqual(SPEECH_FLOORS.heldoutReal);
    // five real wideband prompts (29.7% when they joined the eval, ninth round)
    expect(report.sets.heldout.prompts.wer).toBeLessThanOrEqual(SPEECH_FLOORS.heldoutPrompts);
    // word confidences mean the share of right words on wideband speech (held-out subset when the
    // curves were fitted: mean 0.782 where 79.1% were right; pocketsphinx's posteriors: 0.671)
    const wideband = report.items.filter((item) => item.set === 'heldout' && item.group !== 'telephone');
    const scored = wideband.flatMap((item) => item.confidences.map((c, i) => ({ c, right: item.rightWords[i] })));
    const meanConfidence = scored.reduce((sum, s) => sum + s.c, 0) / scored.length;
    const shareRight = scored.filter((s) => s.right).length / scored.length;
    expect(Math.abs(meanConfidence - shareRight)).toBeLessThanOrEqual(SPEECH_FLOORS.confidenceGap);
  }, 300_000);

  it('images: right object in the top 5, confident hits kept at min_confidence 0.7', async () => {
    const report = await evaluateImages(true);
    const heldout = report.sets.heldout.all;
    expect(heldout.items).toBeGreaterThanOrEqual(4);
    expect(heldout.top5).toBeGreaterThanOrEqual(IMAGE_FLOORS.heldoutTop5);
    expect(report.sets.dev['text-label'].top5).toBe(1); // "MONITOR" printed on the box -> label Monitor
    expect(heldout.ocrLineRecall).toBeGreaterThanOrEqual(IMAGE_FLOORS.ocrLineRecall);
  }, 300_000);
});

const SPEECH_FLOORS = { heldoutSlt: 0.3, heldoutReal: 0.6, heldoutPrompts: 0.45, confidenceGap: 0.06 };
const IMAGE_FLOORS = { heldoutTop5: 0.5, ocrLineRecall: 0.6 };
