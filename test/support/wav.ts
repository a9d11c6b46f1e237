/** The 44-byte header of a PCM WAV file (RIFF, fmt, data) for `dataBytes` bytes of samples. */
export function wavHeader(dataBytes: number, { sampleRate = 16_000, channels = 1, bitsPerSample = 16 } = {}): Buffer {
  const blockAlign = (channels * bitsPerSample) / 8;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** The PCM of a 16 kHz mono 16-bit WAV (a fixture) repeated `copies` times under one header. */
export function repeatWav(wav: Buffer, copies: number): Buffer {
  const data = wav.subarray(44);
  const body = Buffer.concat(Array.from({ length: copies }, () => data));
  return Buffer.concat([wavHeader(body.length), body]);
}
