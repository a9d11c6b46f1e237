import sharp from 'sharp';
import type { RgbImage } from '../preprocess/prepared-image';
import { mulberry32 } from '../../common/random/mulberry32';

/*
 * Dominant colours: k-means in CIELAB on a 64x64 thumbnail of the working copy, named with an
 * everyday product palette, with plain-background removal (flood fill from the border) so a red
 * mug on a white table reads "red", not "white". Deterministic (seeded k-means++), a few ms.
 */

type Lab = [number, number, number];
type Rgb = [number, number, number];

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** sRGB (0..255) to CIELAB (D65). */
export function rgbToLab(r: number, g: number, b: number): Lab {
  const R = srgbToLinear(r);
  const G = srgbToLinear(g);
  const B = srgbToLinear(b);
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const x = f((R * 0.4124564 + G * 0.3575761 + B * 0.1804375) / 0.95047);
  const y = f(R * 0.2126729 + G * 0.7151522 + B * 0.072175);
  const z = f((R * 0.0193339 + G * 0.119192 + B * 0.9503041) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

/** CIEDE2000 colour difference. */
export function deltaE2000([L1, a1, b1]: Lab, [L2, a2, b2]: Lab): number {
  const rad = Math.PI / 180;
  const Cm = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)));
  const a1p = (1 + G) * a1;
  const a2p = (1 + G) * a2;
  const C1p = Math.hypot(a1p, b1);
  const C2p = Math.hypot(a2p, b2);
  const hue = (a: number, b: number) => {
    if (a === 0 && b === 0) return 0;
    const d = Math.atan2(b, a) / rad;
    return d < 0 ? d + 360 : d;
  };
  const h1p = hue(a1p, b1);
  const h2p = hue(a2p, b2);
  const dL = L2 - L1;
  const dC = C2p - C1p;
  let dh = 0;
  if (C1p * C2p !== 0) {
    dh = h2p - h1p;
    if (dh > 180) dh -= 360;
    else if (dh < -180) dh += 360;
  }
  const dH = 2 * Math.sqrt(C1p * C2p) * Math.sin((dh / 2) * rad);
  const Lm = (L1 + L2) / 2;
  const Cmp = (C1p + C2p) / 2;
  let hm = h1p + h2p;
  if (C1p * C2p !== 0) {
    hm = Math.abs(h1p - h2p) > 180 ? (h1p + h2p + (h1p + h2p < 360 ? 360 : -360)) / 2 : (h1p + h2p) / 2;
  }
  const T =
    1 -
    0.17 * Math.cos((hm - 30) * rad) +
    0.24 * Math.cos(2 * hm * rad) +
    0.32 * Math.cos((3 * hm + 6) * rad) -
    0.2 * Math.cos((4 * hm - 63) * rad);
  const dTheta = 30 * Math.exp(-(((hm - 275) / 25) ** 2));
  const Rc = 2 * Math.sqrt(Cmp ** 7 / (Cmp ** 7 + 25 ** 7));
  const Sl = 1 + (0.015 * (Lm - 50) ** 2) / Math.sqrt(20 + (Lm - 50) ** 2);
  const Sc = 1 + 0.045 * Cmp;
  const Sh = 1 + 0.015 * Cmp * T;
  const Rt = -Math.sin(2 * dTheta * rad) * Rc;
  return Math.sqrt((dL / Sl) ** 2 + (dC / Sc) ** 2 + (dH / Sh) ** 2 + Rt * (dC / Sc) * (dH / Sh));
}

const toHex = (r: number, g: number, b: number) =>
  `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const parseHex = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;

/** Everyday product-colour names. */
const PALETTE = (
  [
    ['navy', '#1f2a4a'],
    ['blue', '#2456b8'],
    ['royal blue', '#2f3fb0'],
    ['sky blue', '#58a6de'],
    ['light blue', '#aac8e8'],
    ['denim', '#4a6488'],
    ['teal', '#137a7a'],
    ['turquoise', '#34c3c3'],
    ['mint', '#a6e0c2'],
    ['green', '#2e9a45'],
    ['dark green', '#1e4a2a'],
    ['lime', '#a3d13a'],
    ['olive', '#6b6b2c'],
    ['khaki', '#b8ad7c'],
    ['yellow', '#f4d80c'],
    ['mustard', '#c4981c'],
    ['orange', '#f08a1c'],
    ['coral', '#f27d6b'],
    ['red', '#c8202a'],
    ['burgundy', '#6e1a2a'],
    ['pink', '#f2a2ba'],
    ['hot pink', '#e0308c'],
    ['purple', '#6a3d9a'],
    ['lavender', '#c3b2e0'],
    ['plum', '#5e2a52'],
    ['brown', '#774628'],
    ['dark brown', '#3f2a1e'],
    ['tan', '#c09a6c'],
    ['beige', '#dcc9a8'],
    ['cream', '#f3ebd3'],
  ] as const
).map(([name, hex]) => ({ name, lab: rgbToLab(...parseHex(hex)) }));

/** Neutrals by lightness when chroma is low, otherwise the nearest palette entry (CIEDE2000). */
export function nameColor(r: number, g: number, b: number): string {
  const lab = rgbToLab(r, g, b);
  const [L, A, B] = lab;
  const C = Math.hypot(A, B);
  if (L < 12 || (L < 22 && C < 12)) return 'black';
  if (C < 7 || (L > 90 && C < 9)) {
    if (L >= 91) return 'white';
    if (L >= 75) return 'light grey';
    if (L >= 45) return 'grey';
    if (L >= 22) return 'dark grey';
    return 'black';
  }
  let best = PALETTE[0];
  let bestDistance = Infinity;
  for (const entry of PALETTE) {
    const d = deltaE2000(lab, entry.lab);
    if (d < bestDistance) {
      bestDistance = d;
      best = entry;
    }
  }
  return best.name;
}

const d2 = (p: Lab, q: Lab) => (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 + (p[2] - q[2]) ** 2;

/** k-means++ in Lab. */
export function kmeans(points: Lab[], wanted: number, seed = 42, iterations = 25) {
  const random = mulberry32(seed);
  const k = Math.min(wanted, points.length);
  const centers: Lab[] = [[...points[Math.floor(random() * points.length)]] as Lab];
  const distance = new Float64Array(points.length).fill(Infinity);
  while (centers.length < k) {
    let sum = 0;
    for (let i = 0; i < points.length; i++) {
      distance[i] = Math.min(distance[i], d2(points[i], centers[centers.length - 1]));
      sum += distance[i];
    }
    if (sum === 0) break; // fewer distinct colours than k
    let r = random() * sum;
    let index = 0;
    for (; index < points.length - 1; index++) {
      r -= distance[index];
      if (r <= 0) break;
    }
    centers.push([...points[index]] as Lab);
  }
  const assign = new Int32Array(points.length);
  for (let iteration = 0; iteration < iterations; iteration++) {
    let moved = 0;
    for (let i = 0; i < points.length; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < centers.length; c++) {
        const d = d2(points[i], centers[c]);
        if (d < bestDistance) {
          bestDistance = d;
          best = c;
        }
      }
      if (assign[i] !== best || iteration === 0) {
        moved++;
        assign[i] = best;
      }
    }
    const sums = centers.map(() => [0, 0, 0, 0]);
    for (let i = 0; i < points.length; i++) {
      const s = sums[assign[i]];
      s[0] += points[i][0];
      s[1] += points[i][1];
      s[2] += points[i][2];
      s[3]++;
    }
    sums.forEach((s, c) => {
      if (s[3]) centers[c] = [s[0] / s[3], s[1] / s[3], s[2] / s[3]];
    });
    if (!moved) break;
  }
  return { centers, assign };
}

/**
 * Plain background: if most of the thumbnail's border is one colour, every pixel connected to the
 * border with a similar colour is background. Same-coloured pixels inside the product stay.
 */
function detectBackground(labs: Lab[], w: number, h: number, tolerance = 9, ring = 2, minBorderShare = 0.6) {
  const border: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < ring || y < ring || x >= w - ring || y >= h - ring) border.push(y * w + x);
    }
  }
  const median = [0, 1, 2].map((ch) => {
    const values = border.map((i) => labs[i][ch]).sort((a, b) => a - b);
    return values[values.length >> 1];
  }) as Lab;
  const similar = border.filter((i) => deltaE2000(labs[i], median) <= tolerance);
  const mask = new Uint8Array(w * h);
  if (similar.length / border.length < minBorderShare) return { plain: false, mask };
  const stack = [...similar];
  for (const i of similar) mask[i] = 1;
  while (stack.length) {
    const i = stack.pop() as number;
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

export interface DominantColor {
  name: string;
  hex: string;
  fraction: number;
}

export interface DominantColorsResult {
  colors: DominantColor[];
  /** The plain background left out of `colors`, when there was one. */
  background: (DominantColor & { kept: boolean }) | null;
}

export interface DominantColorsOptions {
  size?: number;
  k?: number;
  minFraction?: number;
  ignoreBackground?: boolean;
}

export async function dominantColors(
  image: RgbImage,
  options: DominantColorsOptions = {},
): Promise<DominantColorsResult> {
  const size = options.size ?? 64;
  const minFraction = options.minFraction ?? 0.03;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    // fit 'fill': area fractions survive non-uniform scaling.
    .resize(size, size, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const rgb: Rgb[] = [];
  const labs: Lab[] = [];
  for (let i = 0; i < n; i++) {
    const p: Rgb = [data[i * 3], data[i * 3 + 1], data[i * 3 + 2]];
    rgb.push(p);
    labs.push(rgbToLab(...p));
  }
  const average = (indices: number[]): Rgb =>
    [0, 1, 2].map((c) => indices.reduce((s, i) => s + rgb[i][c], 0) / Math.max(1, indices.length)) as Rgb;

  let background: DominantColorsResult['background'] = null;
  let mask = new Uint8Array(n);
  if (options.ignoreBackground !== false) {
    const detected = detectBackground(labs, info.width, info.height);
    const count = detected.mask.reduce((s, v) => s + v, 0);
    // A "background" covering nearly everything means a flat image: it is the colour.
    if (detected.plain && count < n * 0.97) {
      mask = detected.mask;
      const avg = average([...mask.keys()].filter((i) => mask[i]));
      background = { name: nameColor(...avg), hex: toHex(...avg), fraction: round(count / n), kept: false };
    }
  }
  const W = info.width;
  const H = info.height;
  // Anti-aliased edge pixels are blends of two colours and would form fake clusters
  // ("navy + white = denim"): keep pixels close to all four neighbours.
  const isInterior = (i: number) => {
    const x = i % W;
    const y = (i / W) | 0;
    for (const [nx, ny] of [
      [x - 1, y],
      [x + 1, y],
      [x, y - 1],
      [x, y + 1],
    ]) {
      if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
      if (d2(labs[i], labs[ny * W + nx]) > 14 ** 2) return false;
    }
    return true;
  };
  const select = (m: Uint8Array) => {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (!m[i]) all.push(i);
    const interior = all.filter(isInterior);
    // Textured photos: most pixels are "edges", keep everything.
    return {
      all,
      use: interior.length >= all.length * 0.4 ? interior : all,
      interiorShare: interior.length / Math.max(1, all.length),
    };
  };
  let selected = select(mask);
  if (background && selected.interiorShare < 0.4 && selected.all.length < n * 0.25) {
    // Only thin detail (text, lines) is left on a flat banner: the background IS the main colour.
    background = { ...background, kept: true };
    mask = new Uint8Array(n);
    selected = select(mask);
  }
  const indices = selected.use;
  const { centers, assign } = kmeans(
    indices.map((i) => labs[i]),
    options.k ?? 6,
  );
  // Average clusters in RGB (exact), then merge clusters that get the same name.
  const sums = centers.map(() => [0, 0, 0, 0]);
  indices.forEach((pixel, j) => {
    const s = sums[assign[j]];
    s[0] += rgb[pixel][0];
    s[1] += rgb[pixel][1];
    s[2] += rgb[pixel][2];
    s[3]++;
  });
  const byName = new Map<string, { sum: Rgb; count: number }>();
  for (const [r, g, b, count] of sums) {
    if (!count) continue;
    const name = nameColor(r / count, g / count, b / count);
    const entry = byName.get(name) ?? { sum: [0, 0, 0], count: 0 };
    entry.sum[0] += r;
    entry.sum[1] += g;
    entry.sum[2] += b;
    entry.count += count;
    byName.set(name, entry);
  }
  const colors = [...byName.entries()]
    .map(([name, e]) => ({
      name,
      hex: toHex(...(e.sum.map((s) => s / e.count) as Rgb)),
      fraction: round(e.count / Math.max(1, indices.length)),
    }))
    .filter((c) => c.fraction >= minFraction)
    .sort((a, b) => b.fraction - a.fraction);
  return { colors, background };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
