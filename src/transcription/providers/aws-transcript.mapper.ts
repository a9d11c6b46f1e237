import type { SpeakerSegment, TranscriptResult, Word } from '../transcription.types';

/** The transcript JSON AWS Transcribe writes to S3 (the parts we read). Times are strings. */
export interface AwsTranscriptFile {
  jobName: string;
  accountId?: string;
  status?: string;
  results: {
    language_code?: string;
    transcripts: { transcript: string }[];
    speaker_labels?: {
      speakers: number;
      channel_label?: string;
      segments: {
        start_time: string;
        end_time: string;
        speaker_label: string;
        items: { start_time: string; end_time: string; speaker_label: string }[];
      }[];
    };
    items: {
      id?: number;
      type: 'pronunciation' | 'punctuation';
      start_time?: string;
      end_time?: string;
      speaker_label?: string;
      alternatives: { confidence: string; content: string }[];
    }[];
  };
}

const seconds = (value: string | undefined): number => Math.round(Number(value ?? 0) * 1000) / 1000;

/**
 * Maps a Transcribe transcript to our result: pronunciation items become words (confidence
 * 0..1 as AWS gives it), punctuation joins the text, speaker_labels segments become speakers
 * with the text spoken in each (punctuation included).
 */
export function mapAwsTranscript(
  file: AwsTranscriptFile,
  context: { languageCode: string; duration: number | null },
): TranscriptResult {
  const results = file.results;
  const words: Word[] = [];
  for (const item of results.items ?? []) {
    const best = item.alternatives?.[0];
    if (item.type !== 'pronunciation' || !best) continue;
    words.push({
      word: best.content,
      start_time: seconds(item.start_time),
      end_time: seconds(item.end_time),
      confidence: Math.min(1, Math.max(0, Number(best.confidence) || 0)),
    });
  }
  const confidence = words.length
    ? Math.round((words.reduce((sum, word) => sum + word.confidence, 0) / words.length) * 1e4) / 1e4
    : 0;
  const transcript = (results.transcripts ?? [])
    .map((entry) => entry.transcript)
    .join(' ')
    .trim();
  const speakers = results.speaker_labels ? speakerSegments(file) : undefined;
  return {
    transcript,
    confidence,
    words,
    ...(speakers ? { speakers } : {}),
    language_code: results.language_code ?? context.languageCode,
    duration: context.duration,
  };
}

function speakerSegments(file: AwsTranscriptFile): SpeakerSegment[] {
  const segments = file.results.speaker_labels?.segments ?? [];
  const out: (SpeakerSegment & { parts: string[] })[] = segments.map((segment) => ({
    speaker: segment.speaker_label,
    start_time: seconds(segment.start_time),
    end_time: seconds(segment.end_time),
    text: '',
    parts: [],
  }));
  let current: (typeof out)[number] | undefined;
  for (const item of file.results.items ?? []) {
    const content = item.alternatives?.[0]?.content;
    if (!content) continue;
    if (item.type === 'punctuation') {
      // Punctuation belongs to the word before it.
      if (current && current.parts.length) current.parts[current.parts.length - 1] += content;
      continue;
    }
    const start = seconds(item.start_time);
    const end = seconds(item.end_time);
    current =
      out.find((segment) => start >= segment.start_time && end <= segment.end_time) ??
      out.find((segment) => start >= segment.start_time && start < segment.end_time) ??
      current;
    current?.parts.push(content);
  }
  return out.map(({ parts, ...segment }) => ({ ...segment, text: parts.join(' ') }));
}
