/**
 * Whole-response examples for the document: each one a real answer of this service, consistent in
 * itself (an image record has no duration, a queued job no result). Swagger UI and ReDoc show
 * them instead of an object stitched from per-property examples.
 */

const IMAGE_ID = '0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b';
const AUDIO_ID = '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const JOB_ID = '3f9a2b1c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

export const MEDIA_RECORD_EXAMPLES = {
  image: {
    summary: 'An image',
    value: {
      media_id: IMAGE_ID,
      owner: '',
      filename: 'monitor.jpg',
      content_type: 'image/jpeg',
      media_type: 'image',
      format: 'jpeg',
      size: 48213,
      sha256: '9f2c4b1a7d3e8f60a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2',
      created_at: '2026-12-01T10:15:30.000Z',
      storage_key: `media/${IMAGE_ID}/original`,
      width: 1024,
      height: 768,
      orientation: 1,
    },
  },
  audio: {
    summary: 'An audio file',
    value: {
      media_id: AUDIO_ID,
      owner: '',
      filename: 'question.mp3',
      content_type: 'audio/mpeg',
      media_type: 'audio',
      format: 'mp3',
      size: 40412,
      sha256: '1d5e8a2b3c4f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b',
      created_at: '2026-12-01T10:16:02.000Z',
      storage_key: `media/${AUDIO_ID}/original`,
      duration: 2.82,
      sample_rate: 16000,
      channels: 1,
      codec: 'MPEG 1 Layer 3',
    },
  },
};

const job = {
  transcription_id: JOB_ID,
  created_at: '2026-12-01T10:16:03.000Z',
  media_id: AUDIO_ID,
  filename: 'question.mp3',
  provider: 'local',
};

export const JOB_ACCEPTED_EXAMPLES = {
  queued: {
    summary: 'Queued',
    value: { transcription_id: JOB_ID, status: 'queued', created_at: job.created_at, media_id: AUDIO_ID },
  },
};

export const TRANSCRIPTION_JOB_EXAMPLES = {
  queued: { summary: 'Queued', value: { ...job, status: 'queued', progress: 0 } },
  in_progress: { summary: 'Processing', value: { ...job, status: 'in_progress', progress: 40 } },
  completed: {
    summary: 'Completed',
    value: {
      ...job,
      status: 'completed',
      progress: 100,
      transcript: "i'm looking for a monitor",
      confidence: 0.91,
      words: [
        { word: "i'm", start_time: 0.15, end_time: 0.42, confidence: 0.93 },
        { word: 'looking', start_time: 0.42, end_time: 0.88, confidence: 0.95 },
        { word: 'for', start_time: 0.88, end_time: 1.02, confidence: 0.9 },
        { word: 'a', start_time: 1.02, end_time: 1.1, confidence: 0.82 },
        { word: 'monitor', start_time: 1.1, end_time: 1.71, confidence: 0.96 },
      ],
      language_code: 'en-US',
      duration: 2.82,
      processing_time: 0.64,
    },
  },
  failed: {
    summary: 'Failed',
    value: {
      ...job,
      status: 'failed',
      progress: 0,
      error: { code: 'DECODE_FAILED', message: 'The audio could not be decoded' },
    },
  },
};

export const IMAGE_ANALYSIS_EXAMPLES = {
  defaults: {
    summary: 'Default analysis types and limits (local engines)',
    value: {
      analysis_id: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
      status: 'completed',
      analysis_types: ['labels', 'text', 'objects'],
      max_labels: 10,
      min_confidence: 0.6,
      labels: [
        { name: 'Monitor', confidence: 0.88, parents: ['Electronics'] },
        { name: 'Electronics', confidence: 0.88, parents: [] },
      ],
      objects: [
        { name: 'Monitor', confidence: 0.88, bounding_box: { left: 0.18, top: 0.13, width: 0.65, height: 0.73 } },
      ],
      text_detections: [
        {
          text: '27 inch Monitor 4K',
          confidence: 0.96,
          bounding_box: { left: 0.3, top: 0.82, width: 0.4, height: 0.06 },
          type: 'line',
        },
      ],
      image: { width: 1024, height: 768, format: 'jpeg' },
      media_id: IMAGE_ID,
      owner: '',
      sha256: MEDIA_RECORD_EXAMPLES.image.value.sha256,
      processing_time: 0.41,
      provider: 'local',
      cached: false,
      created_at: '2026-12-01T10:15:31.000Z',
    },
  },
};
