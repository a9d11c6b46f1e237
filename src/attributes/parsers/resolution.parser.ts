import { normalizeOcrText } from '../text/ocr-text';
import type { ParsedResolution } from './parsed.types';

/**
 * Display and video resolutions: marketing names (4K, UHD, 8K, FHD, Full HD, QHD, WQHD, HD),
 * progressive-scan heights (720p, 1080p, 1440p, 2160p, 4320p) and pixel sizes
 * ("3840 x 2160"). Every mention becomes one canonical entry with width and height; repeated
 * mentions of the same resolution ("4K" and "UHD 3840 x 2160") are merged.
 */

interface Standard {
  label: string;
  width: number;
  height: number;
}

const STANDARDS: Record<string, Standard> = {
  '8k': { label: '8K UHD', width: 7680, height: 4320 },
  '5k': { label: '5K', width: 5120, height: 2880 },
  '4k': { label: '4K UHD', width: 3840, height: 2160 },
  qhd: { label: 'QHD', width: 2560, height: 1440 },
  fhd: { label: 'Full HD', width: 1920, height: 1080 },
  hd: { label: 'HD', width: 1280, height: 720 },
  sd: { label: 'SD', width: 720, height: 480 },
};

/** Named resolutions, longest names first; each with the standard it means and a confidence. */
const NAMES: { pattern: RegExp; key: string; confidence: number }[] = [
  { pattern: /\b8\s?K(?:\s?UHD)?\b/gi, key: '8k', confidence: 0.95 },
  { pattern: /\b5\s?K\b/g, key: '5k', confidence: 0.85 },
  { pattern: /\b4\s?K(?:\s?UHD)?\b/gi, key: '4k', confidence: 0.95 },
  { pattern: /\bUltra\s?HD\b|\bUHD\b/gi, key: '4k', confidence: 0.9 },
  { pattern: /\bW?QHD\b|\b2K\b/g, key: 'qhd', confidence: 0.85 },
  { pattern: /\bFull\s?HD\b|\bFHD\b/gi, key: 'fhd', confidence: 0.9 },
  { pattern: /\bHD\s?Ready\b|\bHD\b(?![\s-]?(?:R|MI|TV\b))/g, key: 'hd', confidence: 0.5 },
];

const BY_HEIGHT: Record<number, string> = { 480: 'sd', 720: 'hd', 1080: 'fhd', 1440: 'qhd', 2160: '4k', 4320: '8k' };
const PROGRESSIVE = /(?<![A-Za-z0-9])(480|720|1080|1440|2160|4320)\s?[pPiI](?![A-Za-z0-9])/g;
const PIXELS = /(?<![A-Za-z0-9.])(\d{3,5})\s?[xX*]\s?(\d{3,5})(?!\s?(?:cm|mm|m|in|inch|")\b)(?![\d"])/g;

function fromPixels(width: number, height: number): Standard {
  const [w, h] = width >= height ? [width, height] : [height, width];
  const key = BY_HEIGHT[h];
  if (key && STANDARDS[key].width === w) return STANDARDS[key];
  if (h === 1440 && w === 3440) return { label: 'UWQHD', width: w, height: h };
  if (h === 1080 && w === 2560) return { label: 'UWFHD', width: w, height: h };
  return { label: `${w}x${h}`, width: w, height: h };
}

export function parseResolutions(input: string): ParsedResolution[] {
  const text = normalizeOcrText(input);
  const hits: (ParsedResolution & { index: number })[] = [];
  // "Ultra HD" is not also an "HD": a shorter name inside a longer one already found is skipped
  const inside = (index: number, length: number) =>
    hits.some((h) => index < h.index + h.text.length && h.index < index + length);
  for (const { pattern, key, confidence } of NAMES) {
    for (const m of text.matchAll(pattern)) {
      if (!inside(m.index, m[0].length)) hits.push({ ...STANDARDS[key], text: m[0], confidence, index: m.index });
    }
  }
  for (const m of text.matchAll(PROGRESSIVE)) {
    const standard = STANDARDS[BY_HEIGHT[Number(m[1])]];
    hits.push({ ...standard, text: m[0], confidence: 0.95, index: m.index });
  }
  for (const m of text.matchAll(PIXELS)) {
    const width = Number(m[1]);
    const height = Number(m[2]);
    if (Math.min(width, height) < 240 || Math.max(width, height) > 16_000) continue;
    hits.push({ ...fromPixels(width, height), text: m[0], confidence: 0.9, index: m.index });
  }
  // one entry per resolution, keeping the most confident wording, then the pixel size if any
  const merged = new Map<string, ParsedResolution & { index: number }>();
  for (const hit of hits.sort((a, b) => a.index - b.index)) {
    const key = `${hit.width}x${hit.height}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, hit);
    else merged.set(key, { ...seen, confidence: Math.min(0.99, Math.max(seen.confidence, hit.confidence) + 0.04) });
  }
  return [...merged.values()].map(({ index: _index, ...resolution }) => resolution);
}
