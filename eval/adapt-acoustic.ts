/**
 * Acoustic-model adaptation of pocketsphinx's en-us model to some eval recordings, the way the
 * CMU Sphinx tutorial "Adapting the default acoustic model" does it, with Debian `sphinxtrain`
 * (bw, map_adapt, mllr_solve) and `sphinxbase-utils` (sphinx_fe). It measures what adaptation
 * to a voice can do (README, "Recognition quality", twelfth round); it is not a default of the
 * service: a model adapted to a few voices is a model of those voices.
 *
 *   apt-get install sphinxtrain     # not part of scripts/setup.sh: only this experiment needs it
 *   node -r ts-node/register/transpile-only eval/adapt-acoustic.ts OUT_DIR \
 *     [--set=dev] [--groups=synthetic-slt,synthetic-diphone] [--method=map|mllr]
 *   EVAL_MODEL_DIR=OUT_DIR npm run eval -- --only=speech --set=heldout     # method map
 *   npm run eval -- --only=speech --extra-args="-mllr OUT_DIR/mllr_matrix"  # method mllr
 *
 * OUT_DIR gets a model folder like the Debian one (en-us/, en-us.lm.bin, cmudict-en-us.dict), so
 * it also works as POCKETSPHINX_MODEL_DIR. Features are computed with the service's front end
 * (the model's feat.params and the frequency warp of POCKETSPHINX_ARGS's default).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateEnvironment } from '../src/config/environment';
import { numberWords } from '../src/transcription/shopping-lm/corpus';
import { DATA_DIR, loadManifest } from './lib/common';
import { MODEL_DIR } from './lib/speech';

const SPHINXTRAIN = '/usr/lib/sphinxtrain';

/**
 * pocketsphinx's `sendump` (mixture weights quantised to 8-bit logs) as the float
 * `mixture_weights` file bw and map_adapt read (SphinxTrain's python/cmusphinx/sendump.py and
 * s3file.py, ported). The Debian model ships only the former.
 */
export function sendumpToMixtureWeights(sendump: Buffer): Buffer {
  let offset = 0;
  // The first length tells the byte order: a header string is never longer than 64 KB.
  const bigEndian = sendump.readUInt32LE(0) > 65536;
  const readInt = () => {
    const value = bigEndian ? sendump.readUInt32BE(offset) : sendump.readUInt32LE(offset);
    offset += 4;
    return value;
  };
  const readString = () => {
    const length = readInt();
    if (length === 0) return null;
    const text = sendump.toString('latin1', offset, offset + length - 1);
    offset += length;
    return text;
  };
  readString(); // title
  const header: Record<string, number> = {};
  for (let line = readString(); line !== null; line = readString()) {
    const [key, value] = line.split(/\s+/);
    if (value !== undefined) header[key] = Number(value);
  }
  const shift = header.mixw_shift ?? 10;
  const streams = header.feature_count;
  let gaussians = header.model_count ?? 0;
  let senones = header.mixture_count ?? 0;
  if (!header.cluster_count) {
    gaussians = readInt();
    senones = readInt();
  }
  const weights = new Float32Array(senones * streams * gaussians);
  for (let stream = 0; stream < streams; stream += 1) {
    for (let gaussian = 0; gaussian < gaussians; gaussian += 1) {
      for (let senone = 0; senone < senones; senone += 1) {
        weights[(senone * streams + stream) * gaussians + gaussian] = 1.0001 ** -(sendump[offset + senone] << shift);
      }
      offset += senones;
    }
  }
  let head = 's3\nversion 1.0\n';
  const misaligned = (head.length + 'endhdr\n'.length) & 3;
  head += `${' '.repeat(misaligned ? 4 - misaligned : 0)}endhdr\n`;
  const dims = Buffer.alloc(20);
  dims.writeInt32LE(0x11223344, 0);
  [senones, streams, gaussians, weights.length].forEach((value, i) => dims.writeUInt32LE(value, 4 + 4 * i));
  return Buffer.concat([Buffer.from(head, 'latin1'), dims, Buffer.from(weights.buffer)]);
}

/** A reference as the dictionary spells it: lower case, no punctuation, numbers in words. */
function transcriptWords(reference: string): string[] {
  return reference
    .toLowerCase()
    .replace(/[^a-z0-9' ]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((word) => (/^\d+$/.test(word) ? numberWords(Number(word)).split(' ') : [word]));
}

function run(command: string, args: string[], log: string): void {
  try {
    writeFileSync(log, execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }));
  } catch (error) {
    const failure = error as { stderr?: Buffer };
    writeFileSync(log, failure.stderr ?? '');
    throw new Error(`${command} failed: see ${log}`);
  }
}

function main(): void {
  const [outArg, ...rest] = process.argv.slice(2);
  if (!outArg) throw new Error('usage: adapt-acoustic.ts OUT_DIR [--set=dev] [--groups=a,b] [--method=map|mllr]');
  const option = (name: string, fallback: string) =>
    rest.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
  const set = option('set', 'dev');
  const groups = option('groups', 'synthetic-slt,synthetic-diphone').split(',');
  const method = option('method', 'map');
  const out = resolve(outArg);
  const work = join(out, 'work');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const hmm = join(MODEL_DIR, 'en-us');
  const dictionary = join(MODEL_DIR, 'cmudict-en-us.dict');
  const known = new Set(
    readFileSync(dictionary, 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[0]),
  );
  const ids: string[] = [];
  const transcripts: string[] = [];
  for (const item of loadManifest('manifest.speech.json').filter((i) => i.set === set && groups.includes(i.group))) {
    const words = transcriptWords(item.reference ?? '');
    if (words.length === 0 || words.some((word) => !known.has(word))) continue; // bw needs every word spelt
    // The service's conversion: ffmpeg to 16 kHz mono s16 (pocketsphinx-engine.ts), here into a WAV.
    run(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-i',
        join(DATA_DIR, item.file),
        '-ac',
        '1',
        '-ar',
        '16000',
        '-acodec',
        'pcm_s16le',
        join(work, `${item.id}.wav`),
      ],
      join(work, 'ffmpeg.log'),
    );
    ids.push(item.id);
    transcripts.push(`<s> ${words.join(' ')} </s> (${item.id})`);
  }
  if (ids.length === 0) throw new Error(`no recordings in ${set} ${groups.join(',')}`);
  writeFileSync(join(work, 'train.fileids'), `${ids.join('\n')}\n`);
  writeFileSync(join(work, 'train.transcription'), `${transcripts.join('\n')}\n`);

  const warp = /-warp_params\s+(\S+)/.exec(validateEnvironment({}).POCKETSPHINX_ARGS)?.[1];
  run(
    'sphinx_fe',
    [
      '-argfile',
      join(hmm, 'feat.params'),
      ...(warp ? ['-warp_params', warp] : []),
      '-samprate',
      '16000',
      '-c',
      join(work, 'train.fileids'),
      '-di',
      work,
      '-do',
      work,
      '-ei',
      'wav',
      '-eo',
      'mfc',
      '-mswav',
      'yes',
    ],
    join(work, 'sphinx_fe.log'),
  );
  run('pocketsphinx_mdef_convert', ['-text', join(hmm, 'mdef'), join(work, 'mdef.txt')], join(work, 'mdef.log'));
  writeFileSync(join(work, 'mixture_weights'), sendumpToMixtureWeights(readFileSync(join(hmm, 'sendump'))));
  const accumulators = join(work, 'accumulators');
  mkdirSync(accumulators);
  // The feature options are the model's own (feat.params): 1s_c_d_dd, batch CMN, no AGC.
  run(
    join(SPHINXTRAIN, 'bw'),
    [
      '-hmmdir',
      hmm,
      '-moddeffn',
      join(work, 'mdef.txt'),
      '-ts2cbfn',
      '.ptm.',
      '-feat',
      '1s_c_d_dd',
      '-svspec',
      '0-12/13-25/26-38',
      '-cmn',
      'batch',
      '-agc',
      'none',
      '-dictfn',
      dictionary,
      '-fdictfn',
      join(hmm, 'noisedict'),
      '-ctlfn',
      join(work, 'train.fileids'),
      '-lsnfn',
      join(work, 'train.transcription'),
      '-cepdir',
      work,
      '-accumdir',
      accumulators,
      '-mixwfn',
      join(work, 'mixture_weights'),
      '-tmatfn',
      join(hmm, 'transition_matrices'),
      '-meanfn',
      join(hmm, 'means'),
      '-varfn',
      join(hmm, 'variances'),
    ],
    join(work, 'bw.log'),
  );

  const adapted = join(out, 'en-us');
  mkdirSync(adapted);
  for (const file of ['feat.params', 'mdef', 'noisedict', 'README']) copyFileSync(join(hmm, file), join(adapted, file));
  if (method === 'mllr') {
    for (const file of ['means', 'variances', 'sendump', 'transition_matrices'])
      copyFileSync(join(hmm, file), join(adapted, file));
    run(
      join(SPHINXTRAIN, 'mllr_solve'),
      [
        '-meanfn',
        join(hmm, 'means'),
        '-varfn',
        join(hmm, 'variances'),
        '-outmllrfn',
        join(out, 'mllr_matrix'),
        '-accumdir',
        accumulators,
      ],
      join(work, 'mllr_solve.log'),
    );
  } else {
    // MAP moves every Gaussian that the recordings reach; pocketsphinx then reads mixture_weights (no sendump).
    run(
      join(SPHINXTRAIN, 'map_adapt'),
      [
        '-moddeffn',
        join(work, 'mdef.txt'),
        '-ts2cbfn',
        '.ptm.',
        '-meanfn',
        join(hmm, 'means'),
        '-varfn',
        join(hmm, 'variances'),
        '-mixwfn',
        join(work, 'mixture_weights'),
        '-tmatfn',
        join(hmm, 'transition_matrices'),
        '-accumdir',
        accumulators,
        '-mapmeanfn',
        join(adapted, 'means'),
        '-mapvarfn',
        join(adapted, 'variances'),
        '-mapmixwfn',
        join(adapted, 'mixture_weights'),
        '-maptmatfn',
        join(adapted, 'transition_matrices'),
      ],
      join(work, 'map_adapt.log'),
    );
  }
  symlinkSync(join(MODEL_DIR, 'en-us.lm.bin'), join(out, 'en-us.lm.bin'));
  symlinkSync(dictionary, join(out, 'cmudict-en-us.dict'));
  console.log(`${method} adaptation on ${ids.length} ${set} recordings (${groups.join(', ')}) -> ${out}`);
}

if (require.main === module) main();
