import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wavHeader } from '../support/wav';

const FIXTURES = join(__dirname, '..', 'fixtures');
const media = (name: string) => readFileSync(join(FIXTURES, 'media', name));
const audio = (name: string) => readFileSync(join(FIXTURES, 'audio', name));
const cut = (bytes: Buffer, fraction: number) => bytes.subarray(0, Math.floor(bytes.length * fraction));
const pad = (head: Buffer | string, size: number, fill = 0x41) =>
  Buffer.concat([Buffer.from(head as string, 'latin1'), Buffer.alloc(Math.max(0, size - head.length), fill)]);

/** Bytes a hostile or careless client sends, with the one answer every intake path must give. */
export interface Payload {
  name: string;
  kind: 'audio' | 'image';
  bytes: () => Buffer;
  status: number;
  code: string;
  /** Sent as this name (multipart) or `filename` (JSON). */
  filename: string;
}

/** A random-looking but reproducible byte string (no format's magic number). */
function noise(size: number, seed = 7): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed;
  for (let i = 0; i < size; i += 1) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = (state >> 16) & 0xff;
  }
  bytes[0] = 0x13; // not a magic number
  return bytes;
}

function wavWithRate(sampleRate: number): Buffer {
  const header = wavHeader(40_000, { sampleRate: 16_000 });
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(Math.min(sampleRate * 2, 0xffffffff), 28);
  return Buffer.concat([header, Buffer.alloc(40_000)]);
}

const OGG_PAGE_HEADER = Buffer.concat([
  Buffer.from('OggS', 'latin1'),
  Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 19]),
]);
const EBML = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const invalid = (status: number, code: string) => ({ status, code });
const TRUNCATED = invalid(422, 'INVALID_FILE');
const WRONG_FORMAT = invalid(415, 'INVALID_FILE_FORMAT');

export const AUDIO_PAYLOADS: Payload[] = [
  { name: '"OggS" alone', bytes: () => Buffer.from('OggS'), ...TRUNCATED },
  { name: '"OggS" and a dozen bytes', bytes: () => pad('OggS', 16), ...TRUNCATED },
  { name: 'an Ogg page header with no body', bytes: () => OGG_PAGE_HEADER, ...TRUNCATED },
  {
    name: '16 bytes of Ogg/Opus',
    bytes: () => Buffer.concat([OGG_PAGE_HEADER.subarray(0, 8), Buffer.from('OpusHead')]),
    ...TRUNCATED,
  },
  { name: '16 bytes of WebM', bytes: () => media('tone.webm').subarray(0, 16), ...TRUNCATED },
  { name: '8 bytes of EBML', bytes: () => EBML, ...TRUNCATED },
  { name: '"fLaC" alone', bytes: () => Buffer.from('fLaC'), ...TRUNCATED },
  { name: 'a FLAC header without frames', bytes: () => media('tone.flac').subarray(0, 42), ...TRUNCATED },
  { name: 'a FLAC cut at half', bytes: () => cut(audio('cart.flac'), 0.5), ...TRUNCATED },
  { name: 'a FLAC 1% short', bytes: () => cut(audio('cart.flac'), 0.99), ...TRUNCATED },
  { name: 'a FLAC one byte short', bytes: () => audio('jacket.flac').subarray(0, -1), ...TRUNCATED },
  { name: 'a WebM cut at half', bytes: () => cut(audio('cart.webm'), 0.5), ...TRUNCATED },
  { name: 'a WebM 1% short', bytes: () => cut(audio('keyboard.webm'), 0.99), ...TRUNCATED },
  { name: 'a WAV header alone (12 bytes)', bytes: () => wavHeader(0).subarray(0, 12), ...TRUNCATED },
  { name: 'a WAV declaring more data than it has', bytes: () => wavHeader(64_000), ...TRUNCATED },
  { name: 'a WAV declaring a 1 Hz sample rate', bytes: () => wavWithRate(1), ...TRUNCATED },
  { name: 'a WAV declaring a 4 GHz sample rate', bytes: () => wavWithRate(4_000_000_000), ...TRUNCATED },
  { name: 'a truncated MP3', bytes: () => audio('truncated.mp3'), ...TRUNCATED },
  { name: 'an MP3 cut at half', bytes: () => cut(media('tone.mp3'), 0.5), ...TRUNCATED },
  { name: 'an ID3 tag and nothing else', bytes: () => pad('ID3\x04\x00\x00\x00\x00\x00\x0a', 20, 0), ...WRONG_FORMAT },
  { name: 'an M4A cut at half', bytes: () => cut(media('tone.m4a'), 0.5), ...TRUNCATED },
  { name: 'an Ogg Vorbis cut at half', bytes: () => cut(media('tone.ogg'), 0.5), ...TRUNCATED },
  { name: 'one byte', bytes: () => Buffer.from([0x4f]), ...WRONG_FORMAT },
  { name: '4 KB of noise', bytes: () => noise(4096), ...WRONG_FORMAT },
  { name: 'an ELF executable', bytes: () => pad('\x7fELF\x02\x01\x01\x00', 8000, 1), ...WRONG_FORMAT },
  { name: 'a Windows executable', bytes: () => pad('MZ\x90\x00\x03\x00\x00\x00', 8000, 0), ...WRONG_FORMAT },
  { name: 'a zip archive', bytes: () => pad('PK\x03\x04\x14\x00\x00\x00\x08\x00', 8000, 2), ...WRONG_FORMAT },
  { name: 'a PDF', bytes: () => pad('%PDF-1.7\n', 2000, 0x20), ...WRONG_FORMAT },
  {
    name: 'an HTML page with a script',
    bytes: () => Buffer.from('<html><script>alert(1)</script></html>'),
    ...WRONG_FORMAT,
  },
  { name: 'a PNG sent as audio', bytes: () => media('photo.png'), ...WRONG_FORMAT },
  { name: 'a MIDI file', bytes: () => pad('MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0', 200, 0), ...WRONG_FORMAT },
].map((payload) => ({ ...payload, kind: 'audio' as const, filename: 'voice.wav' }));

export const IMAGE_PAYLOADS: Payload[] = [
  { name: 'the bare 8-byte PNG signature', bytes: () => PNG_SIGNATURE, ...TRUNCATED },
  { name: 'a PNG signature and half an IHDR', bytes: () => media('photo.png').subarray(0, 20), ...TRUNCATED },
  { name: 'a PNG cut at half', bytes: () => cut(media('photo.png'), 0.5), ...TRUNCATED },
  { name: 'a JPEG start marker alone', bytes: () => Buffer.from([0xff, 0xd8, 0xff]), ...TRUNCATED },
  { name: 'a JPEG cut at half', bytes: () => cut(media('photo.jpg'), 0.5), ...TRUNCATED },
  {
    name: 'a JPEG marker and noise',
    bytes: () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noise(3000)]),
    ...TRUNCATED,
  },
  { name: 'a WebP header alone', bytes: () => Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'), ...TRUNCATED },
  { name: 'a WebP cut at half', bytes: () => cut(media('photo.webp'), 0.5), ...TRUNCATED },
  { name: 'a GIF', bytes: () => pad('GIF89a\x01\x00\x01\x00', 100, 0), ...WRONG_FORMAT },
  { name: 'a BMP', bytes: () => pad('BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00', 100, 0), ...WRONG_FORMAT },
  { name: 'a TIFF', bytes: () => pad('II*\x00\x08\x00\x00\x00', 100, 0), ...WRONG_FORMAT },
  {
    name: 'an SVG',
    bytes: () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
    ...WRONG_FORMAT,
  },
  { name: 'a WAV sent as an image', bytes: () => media('tone.wav'), ...WRONG_FORMAT },
  { name: 'an ELF executable', bytes: () => pad('\x7fELF\x02\x01\x01\x00', 8000, 1), ...WRONG_FORMAT },
].map((payload) => ({ ...payload, kind: 'image' as const, filename: 'photo.jpg' }));
