import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Real photos committed under test/fixtures/images (see LICENSES.md there). */
export const PHOTO_DIR = join(__dirname, '..', 'fixtures', 'images');
export const photo = (name: string): Buffer => readFileSync(join(PHOTO_DIR, name));

// Rendering text needs a system font: Debian fonts-dejavu-core (scripts/debian-packages.txt).
const FONT = 'DejaVu Sans, Liberation Sans, sans-serif';
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const text = (x: number, y: number, size: number, fill: string, content: string, extra = '') =>
  `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" fill="${fill}" ${extra}>${escapeXml(content)}</text>`;

export interface ProductImage {
  name: string;
  png: Buffer;
  lines: string[];
  colour: string;
}

/** A navy product box with white print on a light-grey studio background. */
export async function monitorBox(): Promise<ProductImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="520">
    <rect width="800" height="520" fill="#f2f2f2"/>
    <rect x="140" y="70" width="520" height="380" rx="10" fill="#1b2a4a"/>
    ${text(400, 205, 44, '#ffffff', '27 inch Monitor 4K', 'font-weight="bold" text-anchor="middle"')}
    ${text(400, 270, 30, '#ffffff', 'Model NV-27U', 'text-anchor="middle"')}
    ${text(400, 390, 22, '#c9d3e6', 'UHD 3840 x 2160  HDR10', 'text-anchor="middle"')}
  </svg>`;
  return {
    name: 'monitor-box',
    png: await sharp(Buffer.from(svg)).png().toBuffer(),
    lines: ['27 inch Monitor 4K', 'Model NV-27U', 'UHD 3840 x 2160'],
    colour: 'navy',
  };
}

/** A brown coffee bag with a cream label. */
export async function coffeeBag(): Promise<ProductImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="640">
    <rect width="900" height="640" fill="#ffffff"/>
    <path d="M150 90 L590 90 L620 590 L120 590 Z" fill="#6b3f24"/>
    <rect x="170" y="230" width="400" height="200" rx="6" fill="#f1e6cc"/>
    ${text(370, 300, 28, '#3b2412', 'Organic Coffee Beans', 'font-weight="bold" text-anchor="middle"')}
    ${text(370, 350, 26, '#3b2412', 'Dark Roast 500 g', 'text-anchor="middle"')}
    ${text(370, 555, 18, '#f1e6cc', 'Best before 05/2027', 'text-anchor="middle"')}
  </svg>`;
  return {
    name: 'coffee-bag',
    png: await sharp(Buffer.from(svg)).png().toBuffer(),
    lines: ['Organic Coffee Beans', 'Dark Roast 500 g', 'Best before 05/2027'],
    colour: 'brown',
  };
}

/** A red mug on white, no text: colours must ignore the background. */
export async function redMug(): Promise<ProductImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600">
    <rect width="600" height="600" fill="#ffffff"/>
    <circle cx="430" cy="300" r="75" fill="none" stroke="#c21d26" stroke-width="34"/>
    <rect x="150" y="160" width="260" height="300" rx="26" fill="#c21d26"/>
    <ellipse cx="280" cy="165" rx="130" ry="22" fill="#8e141b"/>
  </svg>`;
  return { name: 'red-mug', png: await sharp(Buffer.from(svg)).png().toBuffer(), lines: [], colour: 'red' };
}

/** Lower-cased words and digits only, for comparing OCR lines. */
export const normalizeText = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9%]+/g, ' ')
    .trim();

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Every box of a result lies within [0, 1] (a rounding hair of slack). */
export function allBoxes(result: {
  objects?: { bounding_box: Box }[];
  faces?: { bounding_box: Box }[];
  text_detections?: { bounding_box: Box }[];
}): Box[] {
  return [...(result.objects ?? []), ...(result.faces ?? []), ...(result.text_detections ?? [])].map(
    (d) => d.bounding_box,
  );
}

export function boxWithinUnit(box: Box): boolean {
  const eps = 1e-6;
  return (
    box.left >= 0 &&
    box.top >= 0 &&
    box.width >= 0 &&
    box.height >= 0 &&
    box.left + box.width <= 1 + eps &&
    box.top + box.height <= 1 + eps
  );
}
