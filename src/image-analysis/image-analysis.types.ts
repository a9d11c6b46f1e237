/** What a caller can ask for; only the asked types are computed. */
export const ANALYSIS_TYPES = ['labels', 'objects', 'text', 'faces', 'moderation', 'colors'] as const;
export type AnalysisType = (typeof ANALYSIS_TYPES)[number];
export const DEFAULT_ANALYSIS_TYPES: AnalysisType[] = ['labels', 'text', 'objects'];

/** Fractions of the (EXIF-oriented) image, like Rekognition: all four within [0, 1]. */
export interface BoundingBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Label {
  name: string;
  confidence: number;
  parents: string[];
  /** Local engines: "text" when the label comes from printed text rather than a detection. */
  source?: 'objects' | 'text';
}

export interface DetectedObject {
  name: string;
  confidence: number;
  bounding_box: BoundingBox;
}

export interface TextDetection {
  text: string;
  confidence: number;
  bounding_box: BoundingBox;
  type: 'line' | 'word';
  /** For a word: the index (in text_detections) of its line. */
  parent_index?: number;
}

export interface Emotion {
  type: string;
  confidence: number;
}

export interface Face {
  confidence: number;
  bounding_box: BoundingBox;
  /** Only from providers that estimate age credibly (Rekognition); the local one never sets it. */
  age_range?: { low: number; high: number };
  emotions?: Emotion[];
}

export interface ModerationLabel {
  name: string;
  /** The label's parent, one level up ("" for a top-level label), as Rekognition names it. */
  parent: string;
  confidence: number;
  /** Rekognition: 1 (top-level category) to 3. */
  taxonomy_level?: number;
}

export interface NamedColor {
  name: string;
  hex: string;
  /** Share of the foreground pixels (the plain background is left out when there is one). */
  fraction: number;
}

export interface ImageInfo {
  width: number;
  height: number;
  format: string;
}

/** What a provider returns for the asked types; the service adds ids, timings and caching. */
export interface AnalyzerOutput {
  labels?: Label[];
  objects?: DetectedObject[];
  text_detections?: TextDetection[];
  faces?: Face[];
  moderation_labels?: ModerationLabel[];
  colors?: NamedColor[];
  /** Engine-level extras worth keeping (e.g. raw moderation scores, the plain background colour). */
  details?: Record<string, unknown>;
}

export interface AnalysisOptions {
  types: AnalysisType[];
  maxLabels: number;
  minConfidence: number;
}

/** The spec's response: the stored analysis record. */
export interface ImageAnalysisResult extends AnalyzerOutput {
  analysis_id: string;
  status: 'completed';
  analysis_types: AnalysisType[];
  max_labels: number;
  min_confidence: number;
  image: ImageInfo;
  media_id?: string;
  owner?: string;
  sha256: string;
  processing_time: number;
  provider: string;
  cached: boolean;
  created_at: string;
}
