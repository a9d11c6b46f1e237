import sharp from 'sharp';
import type { BoundingBox, ImageAnalysisResult } from '../image-analysis.types';

/** Longest side of the annotated picture: enough to read, small enough to send. */
const MAX_SIDE = 1600;
const FONT = 'DejaVu Sans, Liberation Sans, sans-serif';
const COLORS = { object: '#22c55e', face: '#f97316', text: '#3b82f6', moderation: '#ef4444' };

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Shape {
  box: BoundingBox;
  caption: string;
  color: string;
}

/** Boxes to draw: objects, faces and text lines (words would only clutter it). */
export function shapesOf(record: ImageAnalysisResult): Shape[] {
  const pct = (c: number) => `${Math.round(c * 100)}%`;
  return [
    ...(record.objects ?? []).map((o) => ({
      box: o.bounding_box,
      caption: `${o.name} ${pct(o.confidence)}`,
      color: COLORS.object,
    })),
    ...(record.faces ?? []).map((f) => ({
      box: f.bounding_box,
      caption: `Face ${pct(f.confidence)}${f.emotions?.[0] ? ` ${f.emotions[0].type.toLowerCase()}` : ''}`,
      color: COLORS.face,
    })),
    ...(record.text_detections ?? [])
      .filter((t) => t.type === 'line')
      .map((t) => ({ box: t.bounding_box, caption: t.text, color: COLORS.text })),
  ];
}

/**
 * The image (EXIF-oriented, at most 1600 px a side) with each box outlined and captioned, drawn by
 * sharp from an SVG overlay. PNG sources give PNG, everything else JPEG. Needs a system font for
 * the captions (Debian fonts-dejavu-core).
 */
export async function renderAnnotated(
  bytes: Buffer,
  record: ImageAnalysisResult,
): Promise<{ body: Buffer; contentType: string }> {
  const base = await sharp(bytes, { failOn: 'error' })
    .rotate()
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true });
  const { width, height } = base.info;
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 400));
  const fontSize = Math.max(11, Math.round(Math.max(width, height) / 50));
  const parts: string[] = [];
  for (const shape of shapesOf(record)) {
    const x = shape.box.left * width;
    const y = shape.box.top * height;
    const w = shape.box.width * width;
    const h = shape.box.height * height;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="none" stroke="${shape.color}" stroke-width="${stroke}"/>`,
    );
    const caption = escapeXml(shape.caption.slice(0, 60));
    const captionWidth = Math.min(width, caption.length * fontSize * 0.62 + 8);
    const captionX = Math.min(Math.max(0, x), Math.max(0, width - captionWidth));
    // Above the box when there is room, else inside its top edge.
    const captionY = y - fontSize - 6 >= 0 ? y - fontSize - 6 : Math.min(y, height - fontSize - 6);
    parts.push(
      `<rect x="${captionX.toFixed(1)}" y="${captionY.toFixed(1)}" width="${captionWidth.toFixed(1)}" height="${fontSize + 6}" fill="${shape.color}" fill-opacity="0.85"/>`,
      `<text x="${(captionX + 4).toFixed(1)}" y="${(captionY + fontSize).toFixed(1)}" font-family="${FONT}" font-size="${fontSize}" fill="#ffffff">${caption}</text>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  const composed = sharp(base.data).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  if (record.image.format === 'png') {
    return { body: await composed.png().toBuffer(), contentType: 'image/png' };
  }
  // 4:4:4: thin coloured strokes survive (4:2:0 smears a 2 px line into its background).
  return {
    body: await composed.jpeg({ quality: 85, chromaSubsampling: '4:4:4' }).toBuffer(),
    contentType: 'image/jpeg',
  };
}
