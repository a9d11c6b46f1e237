import { ffmpegArgs, findExecutable, parseOutput, pocketsphinxArgs, toConfidence } from './pocketsphinx-engine';

// Verbatim stdout of `pocketsphinx_continuous -infile X -time yes` on Debian 12.
const SAMPLE = `i'm looking for a
<s> 0.000 0.140 1.000300
i'm 0.150 0.420 0.504605
<sil> 0.400 0.430 0.655571
for(2) 0.800 0.990 0.316436
[NOISE] 1.000 1.010 0.500000
a 1.000 1.040 0.158688
</s> 2.710 2.790 1.000000

<s> 3.000 3.100 1.000000
`;

describe('pocketsphinx output', () => {
  it('keeps words, drops fillers, strips alternate-pronunciation markers, clamps confidences', () => {
    expect(parseOutput(SAMPLE)).toEqual([
      { word: "i'm", start_time: 0.15, end_time: 0.42, confidence: 0.5046 },
      { word: 'for', start_time: 0.8, end_time: 0.99, confidence: 0.3164 },
      { word: 'a', start_time: 1, end_time: 1.04, confidence: 0.1587 },
    ]);
    expect(toConfidence('1.000300')).toBe(1);
    expect(toConfidence('-0.1')).toBe(0);
    expect(toConfidence('nan')).toBe(0);
  });

  it('decodes to 16 kHz mono s16le into the FIFO and caps the duration', () => {
    const args = ffmpegArgs('/data/in.m4a', '/tmp/x/pcm.fifo', 14400);
    expect(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2)).toEqual(['-i', '/data/in.m4a']);
    expect(args).toEqual(expect.arrayContaining(['-nostdin', '-ac', '1', '-ar', '16000', '-f', 's16le']));
    expect(args[args.indexOf('-t') + 1]).toBe('14400');
    expect(args[args.length - 1]).toBe('/tmp/x/pcm.fifo');
    expect(pocketsphinxArgs('/tmp/x/pcm.fifo', '/m', ['-topn', '2'])).toEqual([
      '-infile',
      '/tmp/x/pcm.fifo',
      '-time',
      'yes',
      '-samprate',
      '16000',
      '-hmm',
      '/m/en-us',
      '-lm',
      '/m/en-us.lm.bin',
      '-dict',
      '/m/cmudict-en-us.dict',
      '-topn',
      '2',
    ]);
  });

  it('finds executables on PATH like a shell, and not when absent', async () => {
    await expect(findExecutable('sh', '/nonexistent:/bin:/usr/bin')).resolves.toMatch(/\/sh$/);
    await expect(findExecutable('surely-not-a-command', '/bin:/usr/bin')).resolves.toBeUndefined();
    await expect(findExecutable('/nonexistent/ffmpeg', '/bin')).resolves.toBeUndefined();
  });
});
