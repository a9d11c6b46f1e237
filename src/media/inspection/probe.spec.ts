import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppException } from '../../common/errors/app.exception';
import { MediaFormat } from '../media-record';
import { assertNotTruncated, probeAudio } from './probe';
import { SNIFF_BYTES } from './sniff';
import { TAIL_BYTES } from './intake-stream';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const files = (format: string) =>
  ['media', 'audio'].flatMap((folder) =>
    readdirSync(join(FIXTURES, folder))
      .filter((name) => name.endsWith(`.${format}`) && !name.startsWith('too-long'))
      .map((name) => join(FIXTURES, folder, name)),
  );

/** What IntakeStream hands the check: the first and last bytes and the size. */
function check(format: MediaFormat, bytes: Buffer): void {
  assertNotTruncated(format, bytes.subarray(0, SNIFF_BYTES), bytes.length, bytes.subarray(-TAIL_BYTES));
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof AppException) return `${error.getStatus()} ${String(error.details.reason)}`;
    throw error;
  }
  return 'accepted';
}

describe('assertNotTruncated', () => {
  describe.each(['flac', 'webm'] as const)('%s', (format) => {
    const fixtures = files(format);

    it('has fixtures to check', () => expect(fixtures.length).toBeGreaterThan(3));

    it.each(fixtures)('accepts the whole file %s', (path) => {
      expect(refusal(() => check(format, readFileSync(path)))).toBe('accepted');
    });

    it.each(fixtures)('refuses %s cut at half, 1%% short and 1 byte short', (path) => {
      const bytes = readFileSync(path);
      for (const size of [Math.floor(bytes.length / 2), Math.floor(bytes.length * 0.99), bytes.length - 1]) {
        expect(refusal(() => check(format, bytes.subarray(0, size)))).toMatch(/^422 .*truncated/);
      }
    });
  });
});

describe('probeAudio', () => {
  it('refuses a WAV whose header declares a 1 Hz sample rate', async () => {
    const wav = Buffer.from(readFileSync(join(FIXTURES, 'media', 'tone.wav')));
    wav.writeUInt32LE(1, 24); // sample rate
    wav.writeUInt32LE(2, 28); // byte rate
    const refused = await probeAudio({ head: wav, size: wav.length }, 'wav').catch((error: AppException) => error);
    expect(refused).toBeInstanceOf(AppException);
    expect((refused as AppException).details.reason).toMatch(/1 Hz sample rate/);
  });
});
