/** Strict little parsers for the subtitle formats, so the tests check structure, not substrings. */
export interface ParsedCue {
  index?: number;
  start: number;
  end: number;
  text: string;
}

const time = (h: string, m: string, s: string, ms: string) =>
  Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;

export function parseSrt(body: string): ParsedCue[] {
  const blocks = body.replace(/\r/g, '').trim().split(/\n\n+/);
  return blocks.map((block, position) => {
    const lines = block.split('\n');
    const match = /^(\d{2}):(\d{2}):(\d{2}),(\d{3}) --> (\d{2}):(\d{2}):(\d{2}),(\d{3})$/.exec(lines[1] ?? '');
    if (!/^\d+$/.test(lines[0]) || Number(lines[0]) !== position + 1 || !match || lines.length < 3) {
      throw new Error(`bad SRT block ${position + 1}: ${JSON.stringify(block)}`);
    }
    return {
      index: Number(lines[0]),
      start: time(match[1], match[2], match[3], match[4]),
      end: time(match[5], match[6], match[7], match[8]),
      text: lines.slice(2).join('\n'),
    };
  });
}

export function parseVtt(body: string): ParsedCue[] {
  const blocks = body.replace(/\r/g, '').trim().split(/\n\n+/);
  if (blocks[0] !== 'WEBVTT') throw new Error('no WEBVTT header');
  return blocks.slice(1).map((block, position) => {
    const lines = block.split('\n');
    const match = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(lines[0] ?? '');
    if (!match || lines.length < 2) throw new Error(`bad VTT cue ${position + 1}: ${JSON.stringify(block)}`);
    return {
      start: time(match[1], match[2], match[3], match[4]),
      end: time(match[5], match[6], match[7], match[8]),
      text: lines.slice(1).join('\n'),
    };
  });
}
