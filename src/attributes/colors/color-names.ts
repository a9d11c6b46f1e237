/**
 * Colour maths and everyday colour names (navy, red, beige...). CIELAB + CIEDE2000, so names
 * follow what people see rather than RGB distance. Same palette as the image-analysis
 * prototype, so a colour gets the same name in /analyze-image and /extract-attributes.
 */

export type Lab = [number, number, number];
export type Rgb = [number, number, number];

function srgbToLinear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** sRGB (0..255) -> CIELAB (D65). */
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

/** CIEDE2000 colour difference (about 2.3 is the smallest difference people notice). */
export function deltaE2000([L1, a1, b1]: Lab, [L2, a2, b2]: Lab): number {
  const rad = Math.PI / 180;
  const C1 = Math.hypot(a1, b1);
  const C2 = Math.hypot(a2, b2);
  const Cm = (C1 + C2) / 2;
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

export const toHex = (r: number, g: number, b: number): string =>
  `#${[r, g, b]
    .map((v) =>
      Math.round(Math.max(0, Math.min(255, v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;

export const parseHex = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;

export interface ColorName {
  name: string;
  /** Coarse bucket for filters: "navy" and "sky blue" are both "blue". */
  family: string;
}

const PALETTE: (ColorName & { hex: string; lab: Lab })[] = (
  [
    ['navy', 'blue', '#1f2a4a'],
    ['blue', 'blue', '#2456b8'],
    ['royal blue', 'blue', '#2f3fb0'],
    ['sky blue', 'blue', '#58a6de'],
    ['light blue', 'blue', '#aac8e8'],
    ['denim', 'blue', '#4a6488'],
    ['teal', 'green', '#137a7a'],
    ['turquoise', 'blue', '#34c3c3'],
    ['mint', 'green', '#a6e0c2'],
    ['green', 'green', '#2e9a45'],
    ['dark green', 'green', '#1e4a2a'],
    ['lime', 'green', '#a3d13a'],
    ['olive', 'green', '#6b6b2c'],
    ['khaki', 'beige', '#b8ad7c'],
    ['yellow', 'yellow', '#f4d80c'],
    ['mustard', 'yellow', '#c4981c'],
    ['orange', 'orange', '#f08a1c'],
    ['coral', 'orange', '#f27d6b'],
    ['red', 'red', '#c8202a'],
    ['burgundy', 'red', '#6e1a2a'],
    ['pink', 'pink', '#f2a2ba'],
    ['hot pink', 'pink', '#e0308c'],
    ['purple', 'purple', '#6a3d9a'],
    ['lavender', 'purple', '#c3b2e0'],
    ['plum', 'purple', '#5e2a52'],
    ['brown', 'brown', '#774628'],
    ['dark brown', 'brown', '#3f2a1e'],
    ['tan', 'brown', '#c09a6c'],
    ['beige', 'beige', '#dcc9a8'],
    ['cream', 'white', '#f3ebd3'],
  ] as const
).map(([name, family, hex]) => ({ name, family, hex, lab: rgbToLab(...parseHex(hex)) }));

/** Names a colour: neutrals by lightness when chroma is low, else the nearest palette entry. */
export function nameColor(r: number, g: number, b: number): ColorName {
  const lab = rgbToLab(r, g, b);
  const [L, A, B] = lab;
  const C = Math.hypot(A, B);
  if (L < 12 || (L < 22 && C < 12)) return { name: 'black', family: 'black' };
  if (C < 7 || (L > 90 && C < 9)) {
    if (L >= 91) return { name: 'white', family: 'white' };
    if (L >= 75) return { name: 'light grey', family: 'grey' };
    if (L >= 45) return { name: 'grey', family: 'grey' };
    if (L >= 22) return { name: 'dark grey', family: 'grey' };
    return { name: 'black', family: 'black' };
  }
  let best = PALETTE[0];
  let bestD = Infinity;
  for (const p of PALETTE) {
    const d = deltaE2000(lab, p.lab);
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  return { name: best.name, family: best.family };
}

/** Every colour name the service can give, with its family. */
export const COLOR_NAMES: ColorName[] = [
  ...PALETTE.map(({ name, family }) => ({ name, family })),
  { name: 'black', family: 'black' },
  { name: 'dark grey', family: 'grey' },
  { name: 'grey', family: 'grey' },
  { name: 'light grey', family: 'grey' },
  { name: 'white', family: 'white' },
];
