const { ssdAnchors, decodeSsd } = require('./worker/ssd-detector') as {
  ssdAnchors: () => { cx: number; cy: number; w: number; h: number }[];
  decodeSsd: (
    boxes: Float32Array,
    logits: Float32Array,
    anchors: { cx: number; cy: number; w: number; h: number }[],
    labels: string[],
    options: { minScore: number; maxDetected: number; iouThreshold: number },
  ) => { label: string; score: number; box: number[] }[];
};

const LABELS = ['???', 'Mug', 'Dog'];
const OPTIONS = { minScore: 0.15, maxDetected: 20, iouThreshold: 0.45 };

describe('SSD-MobileNetV2 decoding (ssd-detector.js)', () => {
  const anchors = ssdAnchors();

  it('lays out the 1917 anchors of the 300 px model, first layer 19x19 with 3 boxes each', () => {
    expect(anchors).toHaveLength(1917);
    expect(anchors[0]).toEqual({ cx: 0.5 / 19, cy: 0.5 / 19, w: 0.1, h: 0.1 });
    expect(anchors[1916].cx).toBeCloseTo(0.5);
    expect(anchors[1916].w).toBeCloseTo(Math.sqrt(0.95));
  });

  it('decodes zero offsets to the anchor box, drops the background and weak scores, and keeps one box per class and place', () => {
    const boxes = new Float32Array(anchors.length * 4);
    const logits = new Float32Array(anchors.length * 3).fill(-10);
    const big = anchors.length - 1; // the centred full-image anchor
    logits[big * 3 + 1] = 2; // Mug, sigmoid 0.88
    logits[(big - 1) * 3 + 1] = 1; // Mug again on a near-identical anchor: suppressed
    logits[0 * 3 + 0] = 5; // background only: never reported
    logits[5 * 3 + 2] = -3; // Dog at 0.05: under minScore
    boxes[10 * 4 + 2] = 5 * Math.log(2); // anchor 10 twice as tall
    logits[10 * 3 + 2] = 0; // Dog at 0.5
    const found = decodeSsd(boxes, logits, anchors, LABELS, OPTIONS);
    expect(found.map((d) => d.label)).toEqual(['Mug', 'Dog']);
    expect(found[0].score).toBeCloseTo(1 / (1 + Math.exp(-2)));
    const a = anchors[big];
    expect(found[0].box[2]).toBeCloseTo(Math.min(1, a.cx + a.w / 2) - Math.max(0, a.cx - a.w / 2));
    expect(found[1].box[3]).toBeCloseTo(
      Math.min(1, anchors[10].cy + anchors[10].h) - Math.max(0, anchors[10].cy - anchors[10].h),
    );
  });
});
