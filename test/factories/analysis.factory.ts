import { randomUUID } from 'node:crypto';
import type { AnalysisCacheEntry } from '../../src/image-analysis/analysis.repository';
import type {
  AnalyzerOutput,
  BoundingBox,
  ImageAnalysisResult,
  TextDetection,
} from '../../src/image-analysis/image-analysis.types';

/** A box as [left, top, width, height], fractions of the image. */
export type BoxTuple = [left: number, top: number, width: number, height: number];

export function box([left, top, width, height]: BoxTuple): BoundingBox {
  return { left, top, width, height };
}

/** A text line as every provider reports it. */
export function textLine(text: string, confidence: number, at: BoxTuple): TextDetection {
  return { text, confidence, type: 'line', bounding_box: box(at) };
}

/** A word, with the index of its line when the provider links them (Rekognition does). */
export function textWord(text: string, confidence: number, at: BoxTuple, parentIndex?: number): TextDetection {
  const word: TextDetection = { text, confidence, type: 'word', bounding_box: box(at) };
  if (parentIndex !== undefined) word.parent_index = parentIndex;
  return word;
}

/** What a provider answers for a photo of a monitor on a desk (labels, one object, one text line). */
export function analyzerOutput(overrides: Partial<AnalyzerOutput> = {}): AnalyzerOutput {
  return {
    labels: [
      { name: 'Monitor', confidence: 0.93, parents: ['Electronics'] },
      { name: 'Electronics', confidence: 0.93, parents: [] },
    ],
    objects: [{ name: 'Monitor', confidence: 0.93, bounding_box: { left: 0.2, top: 0.1, width: 0.5, height: 0.6 } }],
    text_detections: [textLine('ACME 27', 0.88, [0.3, 0.2, 0.2, 0.05])],
    ...overrides,
  };
}

/** A stored analysis record, as GET /analyze-image/{id} answers it. */
export function analysisResult(overrides: Partial<ImageAnalysisResult> = {}): ImageAnalysisResult {
  return {
    analysis_id: randomUUID(),
    status: 'completed',
    analysis_types: ['labels', 'objects', 'text'],
    max_labels: 10,
    min_confidence: 0.6,
    ...analyzerOutput(),
    image: { width: 640, height: 480, format: 'jpeg' },
    owner: '',
    sha256: 'b'.repeat(64),
    processing_time: 0.2,
    provider: 'local',
    cached: false,
    created_at: '2026-11-25T21:00:00.000Z',
    ...overrides,
  };
}

/** A result-cache entry (what a repeat of the same bytes and options is answered from). */
export function analysisCacheEntry(overrides: Partial<AnalysisCacheEntry> = {}): AnalysisCacheEntry {
  return {
    output: analyzerOutput(),
    image: { width: 640, height: 480, format: 'jpeg' },
    provider: 'local',
    version: 'test-1',
    created_at: '2026-11-25T21:00:00.000Z',
    ...overrides,
  };
}
