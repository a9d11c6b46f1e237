import { calibrationReport, fitPlatt, plattProbability, plattScoreAt } from './platt';

describe('Platt scaling', () => {
  it('fits an increasing curve that separates right from wrong scores', () => {
    const samples = [
      ...[0.2, 0.25, 0.3, 0.32, 0.35].map((score) => ({ score, right: false })),
      ...[0.5, 0.55, 0.6, 0.7, 0.3].map((score) => ({ score, right: true })),
    ];
    const curve = fitPlatt(samples);
    expect(curve.a).toBeGreaterThan(0);
    expect(plattProbability(curve, 0.2)).toBeLessThan(0.3);
    expect(plattProbability(curve, 0.7)).toBeGreaterThan(0.7);
  });

  it('inverts the curve', () => {
    const curve = { a: 4.3, b: -0.4 };
    expect(plattProbability(curve, plattScoreAt(curve, 0.8))).toBeCloseTo(0.8, 4);
  });

  it('learns the base rate when the score says nothing', () => {
    const samples = Array.from({ length: 400 }, (_, i) => ({ score: 0.5, right: i % 4 !== 0 }));
    expect(plattProbability(fitPlatt(samples), 0.5)).toBeCloseTo(0.75, 2);
  });
});

describe('calibrationReport', () => {
  it('is 0 for confidences that match the outcomes and grows with over-confidence', () => {
    const matched = [
      ...Array.from({ length: 8 }, (_, i) => ({ confidence: 0.75, right: i < 6 })),
      ...Array.from({ length: 4 }, (_, i) => ({ confidence: 0.25, right: i < 1 })),
    ];
    const report = calibrationReport(matched);
    expect(report.ece).toBeCloseTo(0, 10);
    expect(report.accuracy).toBeCloseTo(7 / 12, 10);
    expect(report.meanConfidence).toBeCloseTo((8 * 0.75 + 4 * 0.25) / 12, 10);
    const overconfident = matched.map((s) => ({ ...s, confidence: 0.99 }));
    expect(calibrationReport(overconfident).ece).toBeCloseTo(0.99 - 7 / 12, 10);
    expect(calibrationReport(overconfident).brier).toBeGreaterThan(report.brier);
  });

  it('reports nothing for no samples', () => {
    expect(calibrationReport([]).samples).toBe(0);
    expect(calibrationReport([]).ece).toBeNaN();
  });
});
