import sharp from 'sharp';
import { deltaE2000, Lab, nameColor, rgbToLab, toHex } from './color-names';

/**
 * Dominant colours of a product: k-means (CIELAB) on a small thumbnail, named with the
 * everyday palette, after removing a plain background.
 *
 * Product-area logic:
 * - a plain background is one whose border ring is mostly one colour (>= 60% of the ring
 *   within CIEDE2000 9 of its median); the pixels connected to the border in that colour are
 *   dropped. The same colour inside the product (white print on a navy box) stays;
 * - when what is left is only thin detail (text on a flat banner), the "background" is the
 *   product's colour after all and is kept;
 * - when the caller knows where the product is (the main object's box), only that region,
 *   with a small margin, is measured, and the background test runs on the crop.
 */

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface DominantColor {
  name: string;
  family: string;
  hex: string;
  /** Share of the product's area (the measured pixels once the background is removed). */
  fraction: number;
}

export interface BackgroundColor {
  name: string;
  hex: string;
  /** Share of the measured region the background covered. */
  fraction: number;
  /** True when the background was kept as the product colour (flat banners, labels). */
  kept: boolean;
}

export interface ColorAnalysis {
  colors: DominantColor[];
  background: BackgroundColor | null;
  /** "object" when measured inside the main object's box, "image" for the whole image. */
  region: 'object' | 'image';
  box?: Box;
}

export interface DominantColorOptions {
  k?: number;
  minFraction?: number;
  ignoreBackground?: boolean;
  seed?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const d2 = (p: Lab, q: Lab) => (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 + (p[2] - q[2]) ** 2;

/** Deterministic k-means++ in Lab. */
export function kmeans(points: Lab[], k: number, iterations = 25, seed = 42): { centers: Lab[]; assign: Int32Array } {
  const rnd = mulberry32(seed);
  const count = Math.min(k, points.length);
  const centers: Lab[] = [[...points[Math.floor(rnd() * points.length)]] as Lab];
  const dist = new Float64Array(points.length).fill(Infinity);
  while (centers.length < count) {
    let sum = 0;
    for (let i = 0; i < points.length; i++) {
      dist[i] = Math.min(dist[i], d2(points[i], centers[centers.length - 1]));
      sum += dist[i];
    }
    if (sum === 0) break; // fewer distinct colours than k
    let r = rnd() * sum;
    let idx = 0;
    for (; idx < points.length - 1; idx++) {
      r -= dist[idx];
      if (r <= 0) break;
    }
    centers.push([...points[idx]] as Lab);
  }
  const assign = new Int32Array(points.length);
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    for (let i = 0; i < points.length; i++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < centers.length; c++) {
        const d = d2(points[i], centers[c]);
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      if (assign[i] !== best || it === 0) moved++;
      assign[i] = best;
    }
    const sums = centers.map(() => [0, 0, 0, 0]);
    points.forEach((p, i) => {
      const s = sums[assign[i]];
      s[0] += p[0];
      s[1] += p[1];
      s[2] += p[2];
      s[3]++;
    });
    sums.forEach((s, c) => {
      if (s[3]) centers[c] = [s[0] / s[3], s[1] / s[3], s[2] / s[3]];
    });
    if (!moved) break;
  }
  return { centers, assign };
}

/** Plain-background mask: flood fill from the border ring over pixels close to its median colour. */
export function detectBackground(
  labs: Lab[],
  w: number,
  h: number,
  ring = 2,
  tolerance = 9,
  minBorderShare = 0.6,
): { plain: boolean; mask: Uint8Array } {
  const border: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < ring || y < ring || x >= w - ring || y >= h - ring) border.push(y * w + x);
    }
  }
  const median = [0, 1, 2].map((ch) => {
    const v = border.map((i) => labs[i][ch]).sort((a, b) => a - b);
    return v[v.length >> 1];
  }) as Lab;
  const similar = border.filter((i) => deltaE2000(labs[i], median) <= tolerance);
  const mask = new Uint8Array(w * h);
  if (similar.length / border.length < minBorderShare) return { plain: false, mask };
  const stack = [...similar];
  for (const i of similar) mask[i] = 1;
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w;
    const y = (i / w) | 0;
    for (const [nx, ny] of [
      [x - 1, y],
      [x + 1, y],
      [x, y - 1],
      [x, y + 1],
    ]) {
      if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
      const j = ny * w + nx;
      if (!mask[j] && deltaE2000(labs[j], median) <= tolerance) {
        mask[j] = 1;
        stack.push(j);
      }
    }
  }
  return { plain: true, mask };
}

/** Dominant colours of raw RGB pixels (3 bytes a pixel, row-major). */
export function dominantColorsOfPixels(
  data: Uint8Array,
  width: number,
  height: number,
  options: DominantColorOptions = {},
): Omit<ColorAnalysis, 'region'> {
  const k = options.k ?? 6;
  const minFraction = options.minFraction ?? 0.03;
  const n = width * height;
  const rgb: [number, number, number][] = [];
  const labs: Lab[] = [];
  for (let i = 0; i < n; i++) {
    const p: [number, number, number] = [data[i * 3], data[i * 3 + 1], data[i * 3 + 2]];
    rgb.push(p);
    labs.push(rgbToLab(...p));
  }
  let background: BackgroundColor | null = null;
  let mask: Uint8Array = new Uint8Array(n);
  if (options.ignoreBackground !== false) {
    const det = detectBackground(labs, width, height);
    const count = det.mask.reduce((s, v) => s + v, 0);
    // a "background" covering nearly everything is a flat image: that colour is the answer
    if (det.plain && count < n * 0.97) {
      mask = det.mask;
      const idx = [...mask.keys()].filter((i) => mask[i]);
      const avg = [0, 1, 2].map((c) => idx.reduce((s, i) => s + rgb[i][c], 0) / idx.length) as [number, number, number];
      background = { name: nameColor(...avg).name, hex: toHex(...avg), fraction: round3(count / n), kept: false };
    }
  }
  // Anti-aliased edges (thin text at thumbnail size) blend two colours into a fake third one:
  // keep the pixels close to all four neighbours, unless that leaves too little (textured photos).
  const isInterior = (i: number) => {
    const x = i % width;
    const y = (i / width) | 0;
    for (const [nx, ny] of [
      [x - 1, y],
      [x + 1, y],
      [x, y - 1],
      [x, y + 1],
    ]) {
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      if (d2(labs[i], labs[ny * width + nx]) > 14 ** 2) return false;
    }
    return true;
  };
  const select = (m: Uint8Array) => {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (!m[i]) all.push(i);
    const interior = all.filter(isInterior);
    return {
      all,
      use: interior.length >= all.length * 0.4 ? interior : all,
      interiorShare: interior.length / Math.max(1, all.length),
    };
  };
  let sel = select(mask);
  if (background && sel.interiorShare < 0.4 && sel.all.length < n * 0.25) {
    // only thin detail is left (text on a flat label or banner): the background is the product
    background = { ...background, kept: true };
    mask = new Uint8Array(n);
    sel = select(mask);
  }
  const use = sel.use;
  if (!use.length) return { colors: [], background };
  const { centers, assign } = kmeans(
    use.map((i) => labs[i]),
    k,
    25,
    options.seed ?? 42,
  );
  const acc = centers.map(() => [0, 0, 0, 0]);
  use.forEach((pix, j) => {
    const a = acc[assign[j]];
    a[0] += rgb[pix][0];
    a[1] += rgb[pix][1];
    a[2] += rgb[pix][2];
    a[3]++;
  });
  const byName = new Map<string, { name: string; family: string; sum: number[]; count: number }>();
  for (const [r, g, b, count] of acc) {
    if (!count) continue;
    const c = nameColor(r / count, g / count, b / count);
    const e = byName.get(c.name) ?? { ...c, sum: [0, 0, 0], count: 0 };
    e.sum[0] += r;
    e.sum[1] += g;
    e.sum[2] += b;
    e.count += count;
    byName.set(c.name, e);
  }
  const colors = [...byName.values()]
    .map((e) => ({
      name: e.name,
      family: e.family,
      hex: toHex(e.sum[0] / e.count, e.sum[1] / e.count, e.sum[2] / e.count),
      fraction: round3(e.count / use.length),
    }))
    .filter((c) => c.fraction >= minFraction)
    .sort((a, b) => b.fraction - a.fraction);
  return { colors, background };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/**
 * Colours of the product in an encoded image. With a box (fractions of the image), only that
 * region plus a 3% margin is measured.
 */
export async function productColors(
  image: Buffer,
  box?: Box,
  options: DominantColorOptions = {},
): Promise<ColorAnalysis> {
  const size = 64;
  let pipeline = sharp(image, { failOn: 'none' }).rotate().flatten({ background: '#ffffff' });
  let region: ColorAnalysis['region'] = 'image';
  let used: Box | undefined;
  if (box) {
    const { data, info } = await pipeline
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const margin = 0.03;
    const left = Math.max(0, Math.floor((box.left - margin) * info.width));
    const top = Math.max(0, Math.floor((box.top - margin) * info.height));
    const right = Math.min(info.width, Math.ceil((box.left + box.width + margin) * info.width));
    const bottom = Math.min(info.height, Math.ceil((box.top + box.height + margin) * info.height));
    if (right - left >= 8 && bottom - top >= 8) {
      pipeline = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).extract({
        left,
        top,
        width: right - left,
        height: bottom - top,
      });
      region = 'object';
      used = box;
    }
  }
  const { data, info } = await pipeline
    .resize(size, size, { fit: 'fill', kernel: 'cubic' }) // area shares survive a non-uniform scale
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { ...dominantColorsOfPixels(data, info.width, info.height, options), region, ...(used ? { box: used } : {}) };
}
