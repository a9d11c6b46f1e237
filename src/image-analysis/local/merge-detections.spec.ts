import { calibrate, paddedViewRule, rawScoreAt } from './calibration';
import { mergeDetections } from './merge-detections';
import type { RawObject } from './vision-pool';
import { iou } from './worker/box-iou';

const cup = (engine: RawObject['engine'], score: number, x = 0.2): RawObject => ({
  label: 'cup',
  score,
  box: [x, 0.2, 0.5, 0.5],
  engine,
});

describe('mergeDetections', () => {
  it('merges one class found by two engines at the same place, keeping both engines', () => {
    const merged = mergeDetections([cup('centernet', 0.45), cup('nanodet', 0.5, 0.22)], 'none');
    expect(merged).toHaveLength(1);
    expect(merged[0].confidence).toBe(0.5);
    expect(merged[0].engines).toEqual([
      { engine: 'nanodet', raw_score: 0.5 },
      { engine: 'centernet', raw_score: 0.45 },
    ]);
  });

  it('keeps the same class at two places, and two classes at one place', () => {
    expect(mergeDetections([cup('centernet', 0.4), cup('centernet', 0.4, 0.75)], 'none')).toHaveLength(2);
    expect(mergeDetections([cup('centernet', 0.4), { ...cup('nanodet', 0.4), label: 'bowl' }], 'none')).toHaveLength(2);
  });

  it('caps the weaker of two unrelated classes on one object at 1 - p(stronger)', () => {
    // the chelsea-cat case: the SSD sees a cat, CenterNet calls the same box a dog
    const cat: RawObject = { label: 'Cat', score: 0.85, box: [0.01, 0, 0.94, 1], engine: 'ssd' };
    const dog: RawObject = { label: 'dog', score: 0.48, box: [-0.01, 0.02, 0.95, 0.98], engine: 'centernet' };
    const pCat = calibrate('ssd', 0.85);
    expect(calibrate('centernet', 0.48)).toBeGreaterThan(0.6); // alone, the dog passes the default threshold
    const merged = mergeDetections([cat, dog]);
    expect(merged.map((m) => m.label)).toEqual(['cat', 'dog']);
    expect(merged[0].confidence).toBe(pCat);
    expect(merged[1].confidence).toBeCloseTo(1 - pCat, 4);
    // elsewhere in the picture the dog is another object and keeps its probability
    const apart = mergeDetections([cat, { ...dog, box: [0.6, 0.6, 0.3, 0.3] }]);
    expect(apart[1].confidence).toBe(calibrate('centernet', 0.48));
  });

  it('does not set related names against each other (a mug is a cup)', () => {
    const mug: RawObject = { label: 'Mug', score: 0.8, box: [0.2, 0.2, 0.5, 0.5], engine: 'ssd' };
    const merged = mergeDetections([mug, cup('centernet', 0.5)]);
    expect(merged.find((m) => m.label === 'cup')?.confidence).toBe(calibrate('centernet', 0.5));
  });

  it('ranks by calibrated confidence', () => {
    const merged = mergeDetections([cup('centernet', 0.3), { ...cup('nanodet', 0.6, 0.8), label: 'apple' }]);
    const expected = [calibrate('nanodet', 0.6), calibrate('centernet', 0.3)].sort((a, b) => b - a);
    expect(merged.map((m) => m.confidence)).toEqual(expected);
  });
});

describe('calibration', () => {
  it('maps every raw score into 0..1, increasing', () => {
    for (const engine of ['centernet', 'nanodet'] as const) {
      const values = [0, 0.2, 0.4, 0.6, 0.8, 1].map((s) => calibrate(engine, s));
      expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect([...values].sort((a, b) => a - b)).toEqual(values);
      expect(calibrate(engine, 0.42, 'none')).toBe(0.42);
    }
  });
});

describe('mergeDetections across taxonomies', () => {
  it('merges an Open Images name from the SSD with the COCO name of the same thing', () => {
    const merged = mergeDetections(
      [
        { label: 'Dog', score: 0.8, box: [0.1, 0.1, 0.6, 0.6], engine: 'ssd' },
        { label: 'dog', score: 0.5, box: [0.12, 0.1, 0.6, 0.6], engine: 'centernet' },
        { label: 'Cattle', score: 0.7, box: [0.1, 0.1, 0.6, 0.6], engine: 'ssd' },
      ],
      'none',
    );
    expect(merged.map((m) => [m.label, m.engines.map((e) => e.engine)])).toEqual([
      ['dog', ['ssd', 'centernet']],
      ['cow', ['ssd']],
    ]);
  });
});

describe('mergeDetections: engines that agree', () => {
  it('gives a detection found by two engines the noisy-OR of their calibrated probabilities', () => {
    const [merged] = mergeDetections([cup('centernet', 0.45), cup('nanodet', 0.46, 0.22)]);
    const p1 = calibrate('centernet', 0.45);
    const p2 = calibrate('nanodet', 0.46);
    expect(merged.confidence).toBeCloseTo(1 - (1 - p1) * (1 - p2), 3);
    expect(merged.confidence).toBeGreaterThan(Math.max(p1, p2));
  });

  it('ranks an agreed detection above a single engine that alone scored higher', () => {
    const merged = mergeDetections([
      { ...cup('nanodet', 0.6, 0.75), label: 'bowl' },
      cup('centernet', 0.45),
      cup('ssd', 0.6, 0.21),
    ]);
    expect(merged.map((m) => m.label)).toEqual(['cup', 'bowl']);
  });
});

describe('iou (worker/box-iou.js, shared by the SSD decoding and the merging)', () => {
  it('is 1 for the same box, 0 apart, and intersection over union in between', () => {
    expect(iou([0.1, 0.1, 0.4, 0.4], [0.1, 0.1, 0.4, 0.4])).toBe(1);
    expect(iou([0, 0, 0.2, 0.2], [0.5, 0.5, 0.2, 0.2])).toBe(0);
    // Two 2x2 squares overlapping by 1x2: 2 / (4 + 4 - 2).
    expect(iou([0, 0, 2, 2], [1, 0, 2, 2])).toBeCloseTo(1 / 3, 10);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
  });
});

describe('the padded view rule (calibration.ts)', () => {
  it('asks for the raw score of each engine that calibrates to the threshold', () => {
    const rule = paddedViewRule({ belowProbability: 0.6 });
    for (const engine of ['centernet', 'nanodet', 'ssd'] as const) {
      expect(calibrate(engine, rawScoreAt(engine, 0.6))).toBeCloseTo(0.6, 3);
      expect(rule.whenBelowRaw[engine]).toBeCloseTo(rawScoreAt(engine, 0.6), 4);
    }
    // A stricter threshold asks for higher raw scores.
    expect(paddedViewRule({ belowProbability: 0.8 }).whenBelowRaw.ssd).toBeGreaterThan(rule.whenBelowRaw.ssd ?? 1);
    expect(rule).toMatchObject({ margins: [0.25], plainBorderMaxSd: 16 });
    // Other scales of the second look (eval --padded-margins) keep the same thresholds.
    expect(paddedViewRule({ margins: [0.25, 0.5] })).toEqual({ ...rule, margins: [0.25, 0.5] });
  });
});
