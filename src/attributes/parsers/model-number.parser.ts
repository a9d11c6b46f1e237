import { normalizeOcrText } from '../text/ocr-text';
import type { ParsedModelNumber } from './parsed.types';
import { parseQuantities } from './quantity.parser';
import { parseResolutions } from './resolution.parser';

/**
 * Model numbers: tokens that mix letters and digits, optionally joined by hyphens, slashes or
 * dots ("NV-27U", "SM-G991B", "WH-1000XM4", "A1466"). Plain words, plain numbers, quantities
 * ("500ml", "144Hz"), resolutions ("4K", "1080p"), dates and well-known standards ("HDR10",
 * "USB-C", "DDR4", "IP68") are not model numbers. After a "Model", "Model No.", "Art.", "SKU",
 * "P/N" or "Type" label the confidence is high; a hyphenated mix alone is medium.
 */

/** Standards and technology names that look like model numbers. */
const STANDARDS = new RegExp(
  [
    'HDR\\d*\\+?',
    'HDMI\\d*(?:\\.\\d)?',
    'USB[-\\s]?[ABC0-9.]*',
    'DDR\\d',
    'LPDDR\\d[A-Z]?',
    'GDDR\\d[A-Z]?',
    'PCIE\\d?(?:\\.\\d)?',
    'WI-?FI\\d*[A-Z]?',
    'BT\\d(?:\\.\\d)?',
    '[2-6]G',
    'LTE',
    'MP[34]',
    'H\\.?26[45]',
    'X26[45]',
    'IP[X\\d]\\d',
    'IPX\\d',
    'DP\\d(?:\\.\\d)?',
    'QI\\d?',
    'A[3-6]',
    'RJ\\d\\d',
    'CAT\\d[A-Z]?',
    'AES\\d+',
    'UHS-?I+',
    'V\\d\\d',
    'U[13]',
    'C\\d\\d',
    'EAN\\d*',
    'ISBN\\d*',
    'COVID-?\\d+',
    'SPF\\d+',
    'OMEGA-?\\d',
    'B\\d{1,2}',
    'CO2',
    'H2O',
  ].join('|'),
  'i',
);

const LABELLED =
  /\b(?:model|mod|model\s?no|model\s?number|modell|mdl|art|art\.?\s?no|item|item\s?no|ref|sku|p\/n|part\s?no|type)\s?(?:#|no\.?|nr\.?|num\.?)?\s?[:.#]?\s?([A-Z0-9][A-Z0-9\-/.]{1,24}[A-Z0-9])\b/gi;
const TOKEN = /(?<![A-Za-z0-9\-/.])([A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*)(?![A-Za-z0-9\-/])/g;

function isCandidate(token: string): boolean {
  const digits = token.replace(/\D/g, '').length;
  if (token.length < 3 || token.length > 24 || (token.length === 3 && digits < 2)) return false;
  if (!/[A-Za-z]/.test(token) || !digits) return false;
  // a number with a short unit-like suffix: "1ms", "30hr", "24MP", "12V"
  if (/^\d+(?:[.,]\d+)?[A-Za-z]{1,3}$/.test(token)) return false;
  // a word with one OCR-swapped letter ("NOVAV1EW", "C0TTON"): not a model number
  if (digits === 1 && /^[A-Za-z]{2,}[01][A-Za-z]{2,}$/.test(token)) return false;
  // model numbers are upper case: "NV-27U", not "27inch" or "Hello2"
  if (token.replace(/[^A-Za-z]/g, '') !== token.replace(/[^A-Za-z]/g, '').toUpperCase()) return false;
  if (new RegExp(`^(?:${STANDARDS.source})$`, 'i').test(token)) return false;
  if (/^\d{1,2}[/.-]\d{2,4}$/.test(token)) return false; // dates
  const quantities = parseQuantities(token);
  if (quantities.some((q) => q.text.replace(/\s/g, '').length >= token.length - 1)) return false;
  const resolutions = parseResolutions(token);
  if (resolutions.some((r) => r.text.replace(/\s/g, '').length >= token.length - 1)) return false;
  return true;
}

export function parseModelNumbers(input: string): ParsedModelNumber[] {
  const text = normalizeOcrText(input);
  const found = new Map<string, ParsedModelNumber>();
  for (const m of text.matchAll(LABELLED)) {
    const model = m[1].toUpperCase();
    if (/\d/.test(model) && model.length >= 3 && !new RegExp(`^(?:${STANDARDS.source})$`, 'i').test(model)) {
      found.set(model, { model, text: m[0], confidence: 0.92 });
    }
  }
  for (const m of text.matchAll(TOKEN)) {
    const token = m[1];
    if (found.has(token.toUpperCase()) || !isCandidate(token)) continue;
    const hyphenated = /[-/]/.test(token);
    const letters = token.replace(/[^A-Za-z]/g, '').length;
    const digits = token.replace(/\D/g, '').length;
    const confidence = hyphenated && letters >= 2 && digits >= 2 ? 0.75 : digits >= 2 ? 0.6 : 0.45;
    found.set(token.toUpperCase(), { model: token.toUpperCase(), text: token, confidence });
  }
  return [...found.values()];
}
