import sharp from 'sharp';
import { box, textLine, textWord } from '../../../test/factories/analysis.factory';
import { photo } from '../../../test/support/images';
import type { ImageAnalysisResult } from '../image-analysis.types';
import { renderAnnotated, shapesOf } from './annotator';

const record = (format: string): ImageAnalysisResult => ({
  analysis_id: '00000000-0000-4000-8000-000000000000',
  status: 'completed',
  analysis_types: ['objects', 'faces', 'text'],
  max_labels: 10,
  min_confidence: 0.4,
  image: { width: 600, height: 400, format },
  sha256: 'x',
  processing_time: 0,
  provider: 'local',
  cached: false,
  created_at: new Date().toISOString(),
  objects: [{ name: 'Cup', confidence: 0.45, bounding_box: box([0.25, 0.05, 0.5, 0.6]) }],
  faces: [],
  text_detections: [
    textLine('ESPRESSO <&>', 0.9, [0.1, 0.8, 0.3, 0.1]),
    textWord('ESPRESSO', 0.9, [0.1, 0.8, 0.2, 0.1], 0),
  ],
});

describe('renderAnnotated', () => {
  it('draws lines and objects (not words)', () => {
    expect(shapesOf(record('jpeg')).map((s) => s.caption)).toEqual(['Cup 45%', 'ESPRESSO <&>']);
  });

  it('draws the box outline in the object colour on the photo, JPEG for a JPEG source', async () => {
    const { body, contentType } = await renderAnnotated(photo('coffee.jpg'), record('jpeg'));
    expect(contentType).toBe('image/jpeg');
    const { data, info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([600, 400]);
    // The left edge of the Cup box (x = 0.25 * 600, stroke over 149-150) at mid-height is the object green (#22c55e).
    const at = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
    ];
    const [r, g, b] = at(149, 140);
    expect(g - r).toBeGreaterThan(60);
    expect(g - b).toBeGreaterThan(30);
    // ...while the same pixel of the plain photo is not green at all.
    const plain = await sharp(photo('coffee.jpg')).raw().toBuffer();
    const [pr, pg] = [...plain.subarray((140 * 600 + 149) * 3, (140 * 600 + 149) * 3 + 2)];
    expect(pg - pr).toBeLessThan(20);
  });

  it('answers PNG for a PNG source', async () => {
    const png = await sharp(photo('coffee.jpg')).png().toBuffer();
    const { body, contentType } = await renderAnnotated(png, record('png'));
    expect(contentType).toBe('image/png');
    expect((await sharp(body).metadata()).format).toBe('png');
  });
});
