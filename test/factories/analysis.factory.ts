import { randomUUID } from 'node:crypto';
import type { AnalysisCacheEntry } from '../../src/image-analysis/analysis.repository';
import type { AnalyzerOutput, ImageAnalysisResult } from '../../src/image-analysis/image-analysis.types';

/** What a provider answers for a photo of a monitor on a desk (labels, one object, one text line). */
export function analyzerOutput(overrides: Partial<AnalyzerOutput> = {}): AnalyzerOutput {
  return {
    labels: [
      { name: 'Monitor', confidence: 0.93, parents: ['Electronics'] },
      { name: 'Electronics', confidence: 0.93, parents: [] },
    ],
    objects: [{ name: 'Monitor', confidence: 0.93, bounding_box: { left: 0.2, top: 0.1, width: 0.5, height: 0.6 } }],
    text_detections: [
      {
        text: 'ACME 27',
        confidence: 0.88,
        type: 'line',
        bounding_box: { left: 0.3, top: 0.2, width: 0.2, height: 0.05 },
      },
    ],
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
