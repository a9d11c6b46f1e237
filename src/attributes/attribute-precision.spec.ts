import { AttributeExtractor } from './attribute-extractor';
import { OCR_CORPUS } from './testing/ocr-corpus';
import { scoreAttributes } from './testing/precision';

/**
 * Precision and recall of the text attributes over the OCR corpus (30 product texts with
 * noise). Each line is given OCR confidence 0.9 and equal height except the first line, which
 * is printed larger (as brands are).
 */
describe('attribute precision on the OCR corpus', () => {
  const extractor = new AttributeExtractor();
  const results = OCR_CORPUS.map((c) => ({
    name: c.name,
    expected: c.expected,
    attributes: extractor.extract(
      {
        labels: (c.labels ?? []).map((name) => ({ name, confidence: 0.9 })),
        text_detections: c.lines.map((text, i) => ({
          text,
          confidence: 0.9,
          type: 'line',
          bounding_box: { left: 0.1, top: 0.1 + i * 0.12, width: 0.6, height: i === 0 ? 0.1 : 0.05 },
        })),
      },
      null,
    ).attributes,
  }));
  const report = scoreAttributes(results);

  it('reports the figures', () => {
    // printed so the run shows the numbers the README quotes
    process.stdout.write(
      `OCR corpus: ${report.correct}/${report.reported} correct (precision ${report.precision.toFixed(3)}), ` +
        `${report.correct}/${report.expected} found (recall ${report.recall.toFixed(3)})\n` +
        `false positives: ${JSON.stringify(report.falsePositives)}\nmisses: ${JSON.stringify(report.misses)}\n`,
    );
    expect(report.expected).toBeGreaterThan(60);
  });

  it('is precise: at least 95% of the reported text attributes are right', () => {
    expect(report.precision).toBeGreaterThanOrEqual(0.95);
  });

  it('finds at least 90% of the attributes a person reads', () => {
    expect(report.recall).toBeGreaterThanOrEqual(0.9);
  });
});
