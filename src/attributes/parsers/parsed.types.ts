/** A number with a unit, e.g. {value: 27, unit: 'in'}. */
export interface Quantity {
  value: number;
  unit: string;
}

export type QuantityKind = 'length' | 'volume' | 'weight' | 'data' | 'frequency' | 'power' | 'battery';

/** A measured quantity found in OCR text. */
export interface ParsedQuantity extends Quantity {
  kind: QuantityKind;
  /** The same quantity in the kind's normalised unit (see UNITS). */
  normalized: Quantity;
  /** The text it was read from, as it appears in the (cleaned) line. */
  text: string;
  /** How sure the parser is that this is the intended quantity (0..1). */
  confidence: number;
  /** Set when the unit was decided by context, e.g. a bare "oz" read as a volume. */
  note?: string;
  /** Words right after it that qualify it: "RAM", "SSD", "storage". */
  qualifier?: string;
}

export interface ParsedDimensions {
  kind: 'dimensions';
  values: number[];
  unit: string;
  normalized: { values: number[]; unit: string };
  text: string;
  confidence: number;
}

export interface ParsedResolution {
  /** Everyday name: "4K UHD", "Full HD", "QHD", "8K UHD", "HD". */
  label: string;
  width: number;
  height: number;
  text: string;
  confidence: number;
}

export interface ParsedMaterial {
  material: string;
  /** Share of the fabric, when stated ("60% cotton"). */
  percent?: number;
  text: string;
  confidence: number;
}

export interface ParsedClothingSize {
  /** "M", "XL", "10", "42". */
  size: string;
  /** "letter" (S/M/L...), "numeric", or a sizing system ("EU", "US", "UK"). */
  system: string;
  text: string;
  confidence: number;
}

export interface ParsedModelNumber {
  model: string;
  text: string;
  confidence: number;
}

export interface BrandCandidate {
  brand: string;
  /** 0..1: larger, upper-case, non-dictionary, known brand words score higher. */
  confidence: number;
  /** Why it was picked: "not a dictionary word", "known brand", "largest text". */
  reasons: string[];
}
