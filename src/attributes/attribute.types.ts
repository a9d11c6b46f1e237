import type { BoundingBox as Box } from '../image-analysis/image-analysis.types';
import type {
  BrandCandidate,
  ParsedClothingSize,
  ParsedDimensions,
  ParsedMaterial,
  ParsedModelNumber,
  ParsedQuantity,
  ParsedResolution,
  Quantity,
} from './parsers/parsed.types';
import type { CategoryMatch } from './taxonomy/taxonomy';

/**
 * What the extractor reads: the image-analysis result (same shape from the local engines and
 * from Rekognition). Confidences 0..1, boxes as fractions of the image.
 */
export interface AnalysisForAttributes {
  labels?: { name: string; confidence: number; parents?: string[] }[];
  objects?: { name: string; confidence: number; bounding_box?: Box }[];
  text_detections?: { text: string; confidence: number; bounding_box?: Box; type?: 'line' | 'word' | string }[];
  colors?: { name: string; hex: string; fraction: number }[];
  image?: { width: number; height: number };
}

export type AttributeSource = 'ocr' | 'labels' | 'colors' | 'objects';

export interface ProductAttribute {
  /** category, color, brand, model_number, screen_size, resolution, refresh_rate, ... */
  key: string;
  /** Human-readable value, ready for a search box: "27 inch", "4K UHD", "100% cotton". */
  value: string;
  confidence: number;
  source: AttributeSource;
  /** For measured values: the number in its normalised unit (27 in, 500 ml, 1000 GB). */
  normalized?: Quantity;
}

export interface TextLine {
  text: string;
  confidence: number;
  bounding_box?: Box;
}

export interface ParsedText {
  lines: TextLine[];
  quantities: ParsedQuantity[];
  dimensions: ParsedDimensions[];
  resolutions: ParsedResolution[];
  materials: ParsedMaterial[];
  sizes: ParsedClothingSize[];
  model_numbers: ParsedModelNumber[];
  brand_candidates: BrandCandidate[];
}

export interface ProductObject {
  name: string;
  confidence: number;
  bounding_box?: Box;
  /** Taxonomy path of the object class, when it is a product. */
  category?: string;
  /** The object the colours and the category are about. */
  main: boolean;
}

export interface ProductColor {
  /** Everyday name: navy, red, beige... */
  name: string;
  hex: string;
  /** Share of the product's area. */
  fraction: number;
}

export interface ProductColors {
  colors: ProductColor[];
  /** The plain background that was ignored (or kept, for flat labels), if there was one. */
  background: (ProductColor & { kept: boolean }) | null;
  /** "object": measured inside the main object's box; "image": the whole image. */
  region: 'object' | 'image';
}

export interface AttributeExtraction {
  category: (CategoryMatch & { alternatives: CategoryMatch[] }) | null;
  colors: ProductColors;
  text: ParsedText;
  objects: ProductObject[];
  attributes: ProductAttribute[];
  search_query: string;
}
