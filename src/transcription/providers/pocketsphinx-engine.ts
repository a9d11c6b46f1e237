/**
 * Offline speech-to-text, ported from the team's prototype: ffmpeg decodes anything to 16 kHz
 * mono s16le PCM into a named pipe that pocketsphinx_continuous reads (Debian packages `ffmpeg`,
 * `pocketsphinx`, `pocketsphinx-en-us`). Both are child processes started without a shell; the
 * PCM never touches disk and never passes through Node, so the event loop only parses text.
 *
 * Why a FIFO: Node's stdio pipes are socketpairs and pocketsphinx can only fopen() a path;
 * `-infile /dev/stdin` fails with ENXIO under Node.
 *
 * Error codes (TranscriptionError.code):
 *   ETIMEDOUT / EABORT  the signal fired; both children were SIGKILLed
 *   EDECODE             ffmpeg exited non-zero (not audio, corrupt, no audio stream)
 *   ENOAUDIO            ffmpeg produced no PCM
 *   ERECOGNIZER         pocketsphinx exited non-zero
 *   EENGINEDIED         ffmpeg or pocketsphinx was killed by a signal we did not send (OOM
 *                       killer, an operator): not the file's fault, worth one more attempt
 *   ESPAWN              a binary could not be started
 */
import { execFile, spawn, ChildProcess } from 'node:child_process';
import { access, constants, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { TranscriptionError } from './transcriber.port';
import type { Word } from '../transcription.types';

const execFileAsync = promisify(execFile);

export const SAMPLE_RATE = 16_000;
const BYTES_PER_SECOND = SAMPLE_RATE * 2;
const STDERR_TAIL = 4096;
/** `pocketsphinx_continuous -time yes`: "word start end posterior" per segment. */
const WORD_LINE = /^(\S+) (\d+\.\d+) (\d+\.\d+) (-?\d+(?:\.\d+)?)$/;
const FILLER = /^(<.*>|\[.*\]|\+\+.*\+\+)$/;

export interface EngineOptions {
  ffmpegPath: string;
  pocketsphinxPath: string;
  /** Folder holding en-us/ (acoustic model), en-us.lm.bin and cmudict-en-us.dict. */
  modelDir: string;
  /** Language model file (-lm); en-us.lm.bin of modelDir when unset. */
  languageModel?: string;
  /** Extra pocketsphinx options, e.g. a frequency warp (-warp_params 1.08) or search pruning. */
  extraArgs?: string[];
  /** ffmpeg audio filter chain applied before resampling (e.g. `highpass=f=80`); none when empty. */
  audioFilter?: string;
}

export interface EngineRun {
  /** Input file path (seekable, so MP4 with the moov atom at the end works). */
  path: string;
  signal: AbortSignal;
  /** Decode at most this many seconds. */
  maxDurationSeconds?: number;
  /** Seconds of audio decoded so far. */
  onDecoded?: (seconds: number) => void;
  /** -lm file for this run instead of the engine's (language-model-routing.ts: the shopping model). */
  languageModel?: string;
}

export interface EngineOutput {
  words: Word[];
  /** Seconds of PCM decoded. */
  duration: number;
}

/** pocketsphinx's posterior (exp'd from the log domain; may read 1.0003 from rounding) as 0..1. */
export function toConfidence(raw: string | number): number {
  const value = Number(raw);
  if (!Number.isFinite(value)) return 0;
  return Math.round(Math.min(1, Math.max(0, value)) * 1e4) / 1e4;
}

/** One stdout line: a word, or null for hypothesis lines, blanks and fillers. */
export function parseLine(line: string): Word | null {
  const match = WORD_LINE.exec(line.trim());
  if (!match || FILLER.test(match[1])) return null;
  return {
    word: match[1].replace(/\(\d+\)$/, ''), // alternate pronunciation: for(2) -> for
    start_time: Number(match[2]),
    end_time: Number(match[3]),
    confidence: toConfidence(match[4]),
  };
}

export function parseOutput(text: string): Word[] {
  return text.split('\n').flatMap((line) => parseLine(line) ?? []);
}

export function modelPaths(modelDir: string, languageModel?: string) {
  return {
    hmm: join(modelDir, 'en-us'),
    lm: languageModel || join(modelDir, 'en-us.lm.bin'),
    dict: join(modelDir, 'cmudict-en-us.dict'),
  };
}

export function ffmpegArgs(input: string, output: string, maxDurationSeconds?: number, audioFilter?: string): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-nostdin', '-i', input];
  if (maxDurationSeconds && maxDurationSeconds > 0) args.push('-t', String(maxDurationSeconds));
  args.push('-map', '0:a:0', '-vn', '-sn', '-dn');
  if (audioFilter) args.push('-af', audioFilter);
  args.push('-ac', '1', '-ar', String(SAMPLE_RATE));
  args.push('-acodec', 'pcm_s16le', '-f', 's16le', '-y', output);
  return args;
}

export function pocketsphinxArgs(
  input: string,
  modelDir: string,
  extraArgs: string[] = [],
  languageModel?: string,
): string[] {
  // A name not ending in .wav is read as headerless PCM at -samprate. stderr is kept (last 4 KB)
  // rather than sent to /dev/null so that FATAL errors can be reported.
  const model = modelPaths(modelDir, languageModel);
  return [
    '-infile',
    input,
    '-time',
    'yes',
    '-samprate',
    String(SAMPLE_RATE),
    '-hmm',
    model.hmm,
    '-lm',
    model.lm,
    '-dict',
    model.dict,
    ...extraArgs,
  ];
}

/** Resolves an executable like the shell would: a path, or a name searched on PATH. */
export async function findExecutable(command: string, pathEnv: string): Promise<string | undefined> {
  const candidates =
    isAbsolute(command) || command.includes('/')
      ? [command]
      : pathEnv
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Work folders are `stt-<pid>-XXXXXX`: the pid tells a live run from one a crash left behind. */
const WORK_DIR_PREFIX = 'stt-';
const LEGACY_WORK_DIR_MAX_AGE_MS = 24 * 60 * 60 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the `stt-*` folders (and their FIFOs) that runs of a crashed process left in the temp
 * folder: those whose process is gone, and old ones without a pid. Returns how many went.
 */
export async function removeStaleWorkDirs(root = tmpdir(), now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(WORK_DIR_PREFIX)) continue;
    const pid = /^stt-(\d+)-/.exec(name)?.[1];
    const path = join(root, name);
    let stale: boolean;
    if (pid) stale = Number(pid) !== process.pid && !processAlive(Number(pid));
    else
      stale =
        now -
          (await stat(path).then(
            (info) => info.mtimeMs,
            () => now,
          )) >
        LEGACY_WORK_DIR_MAX_AGE_MS;
    if (
      stale &&
      (await rm(path, { recursive: true, force: true }).then(
        () => true,
        () => false,
      ))
    )
      removed += 1;
  }
  return removed;
}

export class PocketsphinxEngine {
  constructor(private readonly options: EngineOptions) {}

  async run(job: EngineRun): Promise<EngineOutput> {
    if (job.signal.aborted) throw abortError(job.signal);
    const dir = await mkdtemp(join(tmpdir(), `${WORK_DIR_PREFIX}${process.pid}-`));
    try {
      const fifo = join(dir, 'pcm.fifo');
      try {
        await execFileAsync('mkfifo', ['-m', '600', fifo], { timeout: 5_000 });
      } catch (error) {
        throw new TranscriptionError('ESPAWN', `mkfifo failed: ${(error as Error).message}`, { cause: error });
      }
      return await this.pipe(job, fifo);
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private pipe(job: EngineRun, fifo: string): Promise<EngineOutput> {
    const { ffmpegPath, pocketsphinxPath, modelDir } = this.options;
    return new Promise<EngineOutput>((resolve, reject) => {
      let settled = false;
      let ffmpegErr = '';
      let sphinxErr = '';
      let progressBuffer = '';
      let stdoutBuffer = '';
      let pcmBytes = 0;
      const words: Word[] = [];
      const exits: { ffmpeg?: number | string; sphinx?: number | string } = {};

      // The recogniser first: it loads its model (~0.6 s) then blocks opening the FIFO.
      const sphinx = spawn(
        pocketsphinxPath,
        pocketsphinxArgs(fifo, modelDir, this.options.extraArgs, job.languageModel ?? this.options.languageModel),
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const ffmpeg = spawn(ffmpegPath, ffmpegArgs(job.path, fifo, job.maxDurationSeconds, this.options.audioFilter), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });

      const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
      const killedByUs = new Set<ChildProcess>();
      const kill = (child: ChildProcess) => {
        if (!alive(child)) return;
        killedByUs.add(child);
        child.kill('SIGKILL');
      };
      /** A child killed by a signal we did not send: say so, never blame the file. */
      const died = (name: string, signal: NodeJS.Signals) =>
        new TranscriptionError(
          'EENGINEDIED',
          `The ${name} process died with signal ${signal} while transcribing (not a problem with the audio)`,
        );
      const sphinxExited = new Promise<void>((done) => sphinx.once('exit', () => done()));
      const cleanup = () => job.signal.removeEventListener('abort', onAbort);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        kill(ffmpeg);
        kill(sphinx);
        // Both gone before the FIFO's folder is removed and before the caller moves on.
        void Promise.all(
          [ffmpeg, sphinx].map((child) =>
            alive(child) && child.pid !== undefined ? new Promise((done) => child.once('close', done)) : null,
          ),
        ).then(() => reject(error));
      };
      const onAbort = () => fail(abortError(job.signal));
      job.signal.addEventListener('abort', onAbort, { once: true });

      ffmpeg.on('error', (error) =>
        fail(new TranscriptionError('ESPAWN', `cannot start ${ffmpegPath}: ${error.message}`)),
      );
      sphinx.on('error', (error) =>
        fail(new TranscriptionError('ESPAWN', `cannot start ${pocketsphinxPath}: ${error.message}`)),
      );

      // ffmpeg -progress: key=value lines; total_size is the PCM bytes written so far.
      ffmpeg.stdout.setEncoding('utf8');
      ffmpeg.stdout.on('data', (chunk: string) => {
        progressBuffer += chunk;
        let newline: number;
        while ((newline = progressBuffer.indexOf('\n')) >= 0) {
          const line = progressBuffer.slice(0, newline);
          progressBuffer = progressBuffer.slice(newline + 1);
          if (line.startsWith('total_size=')) {
            const value = Number(line.slice(11));
            if (Number.isFinite(value)) {
              pcmBytes = value;
              job.onDecoded?.(value / BYTES_PER_SECOND);
            }
          }
        }
      });
      ffmpeg.stderr.on('data', (chunk: Buffer) => (ffmpegErr = tail(ffmpegErr, chunk)));
      sphinx.stderr.on('data', (chunk: Buffer) => (sphinxErr = tail(sphinxErr, chunk)));
      sphinx.stdout.setEncoding('utf8');
      sphinx.stdout.on('data', (chunk: string) => {
        stdoutBuffer += chunk;
        let newline: number;
        while ((newline = stdoutBuffer.indexOf('\n')) >= 0) {
          const word = parseLine(stdoutBuffer.slice(0, newline));
          stdoutBuffer = stdoutBuffer.slice(newline + 1);
          if (word) words.push(word);
        }
      });

      const finish = () => {
        if (pcmBytes === 0) {
          fail(
            new TranscriptionError(
              'ENOAUDIO',
              `No audio could be decoded${ffmpegErr.trim() ? `: ${lastLines(ffmpegErr)}` : ''}`,
            ),
          );
          return;
        }
        const last = parseLine(stdoutBuffer);
        if (last) words.push(last);
        if (settled) return;
        settled = true;
        cleanup();
        resolve({ words, duration: Math.round((pcmBytes / BYTES_PER_SECOND) * 1000) / 1000 });
      };

      // 'close' comes after the child's stdio ended, so every line has been parsed.
      ffmpeg.on('close', (code, signal) => {
        exits.ffmpeg = code ?? `signal ${signal}`;
        if (settled) return;
        if (signal && !killedByUs.has(ffmpeg)) {
          fail(died('audio decoder (ffmpeg)', signal));
          return;
        }
        if (exits.ffmpeg !== 0) {
          // ffmpeg also fails (broken pipe) when the recogniser dies under it: look at that first.
          void Promise.race([sphinxExited, new Promise((done) => setTimeout(done, 500))]).then(() => {
            if (sphinx.signalCode && !killedByUs.has(sphinx)) {
              fail(died('speech recogniser (pocketsphinx)', sphinx.signalCode));
              return;
            }
            fail(
              new TranscriptionError(
                'EDECODE',
                `ffmpeg could not decode the audio (${exits.ffmpeg}): ${lastLines(ffmpegErr)}`,
              ),
            );
          });
          return;
        }
        if (exits.sphinx !== undefined) finish();
      });
      sphinx.on('close', (code, signal) => {
        exits.sphinx = code ?? `signal ${signal}`;
        if (settled) return;
        if (signal && !killedByUs.has(sphinx)) {
          fail(died('speech recogniser (pocketsphinx)', signal));
          return;
        }
        if (exits.sphinx !== 0) {
          // Its stderr is a debug log: only its ERROR/FATAL lines say anything to a caller.
          const reason = lastLines(
            sphinxErr
              .split('\n')
              .filter((line) => /ERROR|FATAL/.test(line))
              .join('\n'),
          );
          fail(new TranscriptionError('ERECOGNIZER', `pocketsphinx failed (exit ${exits.sphinx}): ${reason}`));
          return;
        }
        if (exits.ffmpeg !== undefined) finish();
      });
    });
  }
}

function abortError(signal: AbortSignal): TranscriptionError {
  const reason: unknown = signal.reason;
  if (reason instanceof TranscriptionError) return reason;
  return new TranscriptionError('EABORT', 'The transcription was stopped');
}

function tail(buffer: string, chunk: Buffer): string {
  const text = buffer + chunk.toString('utf8');
  return text.length > STDERR_TAIL ? text.slice(-STDERR_TAIL) : text;
}

function lastLines(text: string, count = 3): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((line) => line.trim())
      .slice(-count)
      .join(' | ') || '(no stderr)'
  );
}
