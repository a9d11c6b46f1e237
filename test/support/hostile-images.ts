import sharp, { SharpOptions } from 'sharp';

/*
 * Hostile and awkward images, made with sharp at test time (nothing binary to commit):
 * each with the status the API must answer.
 */

/** A PNG header claiming width x height, with a tiny (invalid) body: a decompression bomb. */
export function pngBombHeader(width: number, height: number): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.alloc(16)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real JPEG with its second half cut off. */
export async function truncatedJpeg(): Promise<Buffer> {
  const full = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#884422' } })
    .composite([
      { input: Buffer.from('<svg width="400" height="300"><circle cx="200" cy="150" r="90" fill="#2266aa"/></svg>') },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
  return full.subarray(0, Math.floor(full.length / 2));
}

/** A two-frame animated WebP (red then blue): the first frame is analysed. */
export function animatedWebp(): Promise<Buffer> {
  const frame = (r: number, b: number) => Buffer.alloc(64 * 64 * 3, Buffer.from([r, 0, b]));
  return sharp(Buffer.concat([frame(220, 20), frame(20, 220)]), {
    raw: { width: 64, height: 128, channels: 3, pageHeight: 64 },
  } as SharpOptions)
    .webp({ loop: 0, delay: [100, 100] })
    .toBuffer();
}

/** A CMYK JPEG of a red square. */
export function cmykJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 120, height: 120, channels: 3, background: '#cc2222' } })
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
}

/** A 16-bit-per-channel PNG of a green square. */
export function png16(): Promise<Buffer> {
  return sharp({ create: { width: 120, height: 120, channels: 3, background: '#22aa44' } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
}

export const solidPng = (width: number, height: number, colour = '#3366cc') =>
  sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();

/** A 400x200 picture (left half red, right half blue) stored 90° rotated with EXIF orientation 6. */
export async function exifRotatedJpeg(): Promise<Buffer> {
  const svg =
    '<svg width="400" height="200"><rect width="200" height="200" fill="#dd2222"/><rect x="200" width="200" height="200" fill="#2222dd"/></svg>';
  // Stored rotated counter-clockwise: orientation 6 tells viewers to turn it clockwise back.
  const upright = await sharp(Buffer.from(svg)).png().toBuffer();
  return sharp(upright).rotate(-90).jpeg().withMetadata({ orientation: 6 }).toBuffer();
}
