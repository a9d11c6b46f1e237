import { AppException } from '../common/errors/app.exception';
import { contentDisposition, sanitizeFilename } from './filename';
import { etagMatches, parseRange } from './http-range';
import { UploadTokenSigner } from './upload-token';

describe('sanitizeFilename', () => {
  it.each([
    ['photo.jpg', 'photo.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\Desktop\\voice note.m4a', 'voice note.m4a'],
    ['  \u202egpj.exe  ', 'gpj.exe'],
    ['..', 'upload.bin'],
    ['.hidden.png', 'hidden.png'],
    ['tab\there\nnew.wav', 'tabherenew.wav'],
    ['', 'upload.bin'],
    [undefined, 'upload.bin'],
  ])('%j -> %j', (input, expected) => {
    expect(sanitizeFilename(input, 'upload.bin')).toBe(expected);
  });

  it('caps the length and keeps the extension', () => {
    const name = sanitizeFilename(`${'é'.repeat(500)}.flac`, 'x');
    expect([...name]).toHaveLength(200);
    expect(name.endsWith('.flac')).toBe(true);
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('naïve "quote"\\.mp3')).toBe(
      `attachment; filename="na_ve _quote__.mp3"; filename*=UTF-8''na%C3%AFve%20%22quote%22%5C.mp3`,
    );
    expect(contentDisposition("it's (1).png")).toBe(
      `attachment; filename="it's (1).png"; filename*=UTF-8''it%27s%20%281%29.png`,
    );
  });
});

describe('parseRange', () => {
  it.each([
    [undefined, undefined],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=-500', { start: 0, end: 99 }],
    ['bytes=50-1000', { start: 50, end: 99 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=9-3', undefined],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
    ['bytes=-', undefined],
  ])('%j on 100 bytes -> %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});

describe('etagMatches', () => {
  it('matches lists, weak tags and *', () => {
    expect(etagMatches('"a", "b"', '"b"')).toBe(true);
    expect(etagMatches('W/"b"', '"b"')).toBe(true);
    expect(etagMatches('*', '"b"')).toBe(true);
    expect(etagMatches('"c"', '"b"')).toBe(false);
    expect(etagMatches(undefined, '"b"')).toBe(false);
  });
});

describe('UploadTokenSigner', () => {
  const signer = new UploadTokenSigner('a-secret-of-enough-length');
  const id = '0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b';
  const exp = Math.floor(Date.now() / 1000) + 60;

  it('accepts its own token for the same media before expiry', () => {
    expect(signer.verify(signer.sign({ mid: id, len: 10, exp }), id)).toEqual({ mid: id, len: 10, exp });
  });

  it('refuses another secret, another media, a changed size, and an expired token', () => {
    const token = signer.sign({ mid: id, len: 10, exp });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as AppException).code;
      }
      return 'accepted';
    };
    expect(codeOf(() => new UploadTokenSigner('another-secret-xxxxxx').verify(token, id))).toBe('FORBIDDEN');
    expect(codeOf(() => signer.verify(token, '00000000-0000-4000-8000-000000000000'))).toBe('FORBIDDEN');
    const [, mac] = token.split('.');
    const bigger = Buffer.from(JSON.stringify({ mid: id, len: 10_000, exp })).toString('base64url');
    expect(codeOf(() => signer.verify(`${bigger}.${mac}`, id))).toBe('FORBIDDEN');
    expect(codeOf(() => signer.verify(signer.sign({ mid: id, len: 10, exp: exp - 120 }), id))).toBe(
      'UPLOAD_URL_EXPIRED',
    );
    expect(codeOf(() => signer.verify(undefined, id))).toBe('FORBIDDEN');
    expect(codeOf(() => signer.verify('not a token', id))).toBe('FORBIDDEN');
  });
});
