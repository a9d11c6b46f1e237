import sharp from 'sharp';
import { AppException } from '../../common/errors/app.exception';
import {
  animatedWebp,
  cmykJpeg,
  exifRotatedJpeg,
  png16,
  pngBombHeader,
  solidPng,
  truncatedJpeg,
} from '../../../test/support/hostile-images';
import { photo } from '../../../test/support/images';
import { encodeWorking, prepareImage, rgbAtMostSide } from './prepared-image';

const options = { maxPixels: 50_000_000, workingMaxSide: 2048, allowedFormats: ['jpeg', 'png', 'webp'] };
const refusal = async (bytes: Buffer) => {
  const error = await prepareImage(bytes, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppException);
  return { status: (error as AppException).getStatus(), code: (error as AppException).code };
};
const pixel = (data: Buffer, width: number, x: number, y: number) => [
  ...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3),
];

describe('prepareImage (sharp, hostile inputs)', () => {
  it('decodes a real photo once into an sRGB working copy and hashes the bytes', async () => {
    const image = await prepareImage(photo('coffee.jpg'), options);
    expect(image).toMatchObject({ format: 'jpeg', width: 600, height: 400, orientation: 1 });
    expect(image.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(image.working.data.length).toBe(600 * 400 * 3);
  });

  it('refuses zero bytes with 400 INVALID_FILE', async () => {
    expect(await refusal(Buffer.alloc(0))).toEqual({ status: 400, code: 'INVALID_FILE' });
  });

  it('refuses a text file named .png with 415 INVALID_FILE_FORMAT', async () => {
    expect(await refusal(Buffer.from('hello, I am not a picture\n'))).toEqual({
      status: 415,
      code: 'INVALID_FILE_FORMAT',
    });
  });

  it('refuses formats outside the allowed list (GIF, SVG, TIFF) with 415', async () => {
    const gif = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
      .gif()
      .toBuffer();
    const tiff = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } })
      .tiff()
      .toBuffer();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    for (const bytes of [gif, tiff, svg])
      expect(await refusal(bytes)).toEqual({ status: 415, code: 'INVALID_FILE_FORMAT' });
  });

  it('refuses a decompression bomb from its header with 422, before decoding', async () => {
    const bomb = pngBombHeader(60_000, 60_000);
    expect(bomb.length).toBeLessThan(200);
    const error = (await prepareImage(bomb, options).catch((e: unknown) => e)) as AppException;
    expect(error.getStatus()).toBe(422);
    expect(error.details).toMatchObject({ width: 60_000, height: 60_000, max_pixels: 50_000_000 });
  });

  it('refuses a truncated JPEG with 422 INVALID_FILE', async () => {
    expect(await refusal(await truncatedJpeg())).toEqual({ status: 422, code: 'INVALID_FILE' });
  });

  it('refuses a header-only PNG under the pixel limit with 422 (no pixel data)', async () => {
    expect(await refusal(pngBombHeader(100, 100))).toEqual({ status: 422, code: 'INVALID_FILE' });
  });

  it('takes the first frame of an animated WebP', async () => {
    const image = await prepareImage(await animatedWebp(), options);
    expect(image).toMatchObject({ width: 64, height: 64, pages: 2 });
    const [r, , b] = pixel(image.working.data, 64, 32, 32);
    expect(r).toBeGreaterThan(180);
    expect(b).toBeLessThan(60);
  });

  it('converts CMYK to sRGB', async () => {
    const image = await prepareImage(await cmykJpeg(), options);
    const [r, g, b] = pixel(image.working.data, image.working.width, 60, 60);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(90);
    expect(b).toBeLessThan(90);
  });

  it('reduces 16-bit PNGs to 8-bit RGB', async () => {
    const image = await prepareImage(await png16(), options);
    expect(image.working.data.length).toBe(120 * 120 * 3);
    const [r, g, b] = pixel(image.working.data, 120, 10, 10);
    expect(g).toBeGreaterThan(140);
    expect(r).toBeLessThan(80);
    expect(b).toBeLessThan(100);
  });

  it('handles 1x1 and 20000x10 images', async () => {
    const tiny = await prepareImage(await solidPng(1, 1), options);
    expect([tiny.width, tiny.height, tiny.working.width, tiny.working.height]).toEqual([1, 1, 1, 1]);
    const strip = await prepareImage(await solidPng(20_000, 10), options);
    expect([strip.width, strip.height]).toEqual([20_000, 10]);
    expect(strip.working.width).toBe(2048);
    expect(strip.working.height).toBe(1);
  });

  it('honours EXIF orientation: a stored-sideways picture comes out upright', async () => {
    const image = await prepareImage(await exifRotatedJpeg(), options);
    expect([image.orientation, image.width, image.height]).toEqual([6, 400, 200]);
    const left = pixel(image.working.data, 400, 50, 100);
    const right = pixel(image.working.data, 400, 350, 100);
    expect(left[0]).toBeGreaterThan(180); // red on the left, as drawn
    expect(right[2]).toBeGreaterThan(180); // blue on the right
  });

  it('derives smaller copies and encodings from the working copy', async () => {
    const image = await prepareImage(photo('astronaut.jpg'), options);
    const small = await rgbAtMostSide(image, 256);
    expect([small.width, small.height]).toEqual([256, 256]);
    const png = await encodeWorking(image, 'png', { grayscale: true, scale: 2 });
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 1024]);
  });
});
