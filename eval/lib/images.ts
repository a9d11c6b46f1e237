/**
 * Images: every item through the service's LocalImageAnalyzer (the same workers, models and
 * preprocessing as POST /analyze-image at 640 px), one image at a time so that the time per item
 * is the latency of one request. Scores are taken with min_confidence 0 so that top-k and the
 * calibration see every detection the engines report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalImageAnalyzer } from '../../src/image-analysis/local/local-image-analyzer';
import { prepareImage } from '../../src/image-analysis/preprocess/prepared-image';
import { DATA_DIR, EvalSet, ManifestItem } from './common';
import { normalizeWords } from '../../test/support/wer';
import type { RawObject } from '../../src/image-analysis/local/vision-pool';

export interface Candidate {
  name: string;
  confidence: number;
  /** Engines that found it, with raw scores (before calibration). */
  engines?: { engine: string; raw_score: number }[];
  source: 'object' | 'text';
  correct: boolean;
}

export interface ImageItemResult {
  id: string;
  group: string;
  set: EvalSet;
  /** Distinct names, best confidence first (objects and text labels). */
  ranked: Candidate[];
  top1: boolean;
  top5: boolean;
  ocrLines?: { expected: number; found: number };
  ms: number;
  /** Every raw detection of every engine and view, before calibration and merging (--json only). */
  raw?: RawObject[];
}

export interface ImageSummary {
  items: number;
  top1: number;
  top5: number;
  /** Share of returned detections (>= threshold) that are right; NaN when none returned. */
  precisionAtDefault: number;
  returnedAtDefault: number;
  precisionAt07: number;
  returnedAt07: number;
  /** Of the items whose right name is in the top 5: share with a right result at min_confidence 0.7. */
  nonEmptyAt07WhenRight: number;
  /** Of those items: share for which min_confidence 0.7 returns anything at all (the wording). */
  anyAt07WhenRight: number;
  ocrLineRecall: number;
  msPerItem: number;
}

function isRight(item: ManifestItem, name: string): boolean {
  return (item.expected ?? []).includes(name) || (item.also ?? []).includes(name);
}

/** Every engine's raw score of every detection and whether its name is right (calibration data). */
export interface ScoreSample {
  engine: string;
  score: number;
  right: boolean;
  set: EvalSet;
}

export async function runImages(
  items: ManifestItem[],
  analyzer: LocalImageAnalyzer,
  samples: ScoreSample[] = [],
): Promise<ImageItemResult[]> {
  await analyzer.warmUp();
  // The raw detections of each item, so merging policies can be compared offline on the same run.
  let raw: RawObject[] = [];
  const analyzeVision = analyzer.vision.analyze.bind(analyzer.vision);
  analyzer.vision.analyze = async (...call: Parameters<typeof analyzeVision>) => {
    const result = await analyzeVision(...call);
    raw = result.objects ?? [];
    return result;
  };
  const results: ImageItemResult[] = [];
  for (const item of items) {
    raw = [];
    const bytes = readFileSync(join(DATA_DIR, item.file));
    const started = process.hrtime.bigint();
    const image = await prepareImage(bytes, {
      maxPixels: 100_000_000,
      workingMaxSide: 2048,
      allowedFormats: ['jpeg', 'png', 'webp'],
    });
    const out = await analyzer.analyze(image, {
      types: ['objects', 'labels', 'text'],
      maxLabels: 20,
      minConfidence: 0,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const best = new Map<string, Candidate>();
    const consider = (candidate: Candidate) => {
      const existing = best.get(candidate.name);
      if (!existing || existing.confidence < candidate.confidence) best.set(candidate.name, candidate);
    };
    const engines = (out.details?.object_engines ?? []) as Candidate['engines'][];
    (out.objects ?? []).forEach((o, i) => {
      const right = isRight(item, o.name);
      for (const e of engines[i] ?? []) samples.push({ engine: e.engine, score: e.raw_score, right, set: item.set });
      consider({ name: o.name, confidence: o.confidence, engines: engines[i], source: 'object', correct: right });
    });
    for (const label of out.labels ?? []) {
      if ((label as { source?: string }).source === 'text') {
        consider({
          name: label.name,
          confidence: label.confidence,
          source: 'text',
          correct: isRight(item, label.name),
        });
      }
    }
    const ranked = [...best.values()].sort((a, b) => b.confidence - a.confidence);
    const expected = new Set(item.expected ?? []);
    const result: ImageItemResult = {
      id: item.id,
      group: item.group,
      set: item.set,
      ranked,
      top1: ranked.slice(0, 1).some((c) => expected.has(c.name)),
      top5: ranked.slice(0, 5).some((c) => expected.has(c.name)),
      ms,
      raw,
    };
    if (item.text_lines) {
      const read = ` ${(out.text_detections ?? [])
        .filter((t) => t.type === 'line')
        .map((t) => normalizeWords(t.text).join(' '))
        .join(' | ')} `;
      const found = item.text_lines.filter((line) => read.includes(` ${normalizeWords(line).join(' ')} `)).length;
      result.ocrLines = { expected: item.text_lines.length, found };
    }
    results.push(result);
  }
  return results;
}

export function summariseImages(results: ImageItemResult[], defaultThreshold: number): ImageSummary {
  const returned = (threshold: number) => results.flatMap((r) => r.ranked.filter((c) => c.confidence >= threshold));
  const atDefault = returned(defaultThreshold);
  const at07 = returned(0.7);
  const right = results.filter((r) => r.top5);
  const ocr = results.filter((r) => r.ocrLines);
  const share = (n: number, d: number) => (d ? n / d : NaN);
  return {
    items: results.length,
    top1: share(results.filter((r) => r.top1).length, results.length),
    top5: share(right.length, results.length),
    precisionAtDefault: share(atDefault.filter((c) => c.correct).length, atDefault.length),
    returnedAtDefault: atDefault.length,
    precisionAt07: share(at07.filter((c) => c.correct).length, at07.length),
    returnedAt07: at07.length,
    nonEmptyAt07WhenRight: share(
      right.filter((r) => r.ranked.some((c) => c.correct && c.confidence >= 0.7)).length,
      right.length,
    ),
    anyAt07WhenRight: share(right.filter((r) => r.ranked.some((c) => c.confidence >= 0.7)).length, right.length),
    ocrLineRecall: share(
      ocr.reduce((a, r) => a + (r.ocrLines?.found ?? 0), 0),
      ocr.reduce((a, r) => a + (r.ocrLines?.expected ?? 0), 0),
    ),
    msPerItem: share(
      results.reduce((a, r) => a + r.ms, 0),
      results.length,
    ),
  };
}
