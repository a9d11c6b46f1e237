import { HttpStatus } from '@nestjs/common';
import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback, Writable } from 'node:stream';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { SNIFF_BYTES } from './sniff';

/** How much of the end of a file is kept for the truncation checks (a FLAC frame is far smaller). */
export const TAIL_BYTES = 64 * 1024;

export function fileTooLarge(maxBytes: number): AppException {
  return new AppException(
    ErrorCode.FILE_TOO_LARGE,
    `The file is larger than the ${maxBytes}-byte limit`,
    HttpStatus.PAYLOAD_TOO_LARGE,
    { max_bytes: maxBytes },
  );
}

export interface IntakeOptions {
  maxBytes: number;
  /**
   * Called once with the first bytes (SNIFF_BYTES, or all of them for a shorter file) before any
   * byte is passed on. Throwing rejects the file before anything is written; the returned
   * Writable (if any) receives a copy of every byte, with backpressure (a tee for probes).
   */
  onHead: (head: Buffer) => Promise<Writable | undefined>;
}

/**
 * The one pass every upload makes on its way to the store: counts bytes against the limit,
 * hashes them (SHA-256), holds back the first bytes until their format is decided, and optionally
 * copies them to a probe. Memory stays at SNIFF_BYTES plus the stream buffers.
 */
export class IntakeStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private held: Buffer[] = [];
  private heldBytes = 0;
  private decided = false;
  private tee?: Writable;
  private bytes = 0;
  private digest?: string;
  private tailChunks: Buffer[] = [];
  private tailBytes = 0;

  constructor(private readonly options: IntakeOptions) {
    super();
  }

  get byteCount(): number {
    return this.bytes;
  }

  /** The last TAIL_BYTES (or fewer) bytes that passed: where truncation shows in FLAC. */
  get tail(): Buffer {
    const tail = Buffer.concat(this.tailChunks);
    return tail.subarray(Math.max(0, tail.length - TAIL_BYTES));
  }

  /** Hex SHA-256 of everything that passed; available once the stream has ended. */
  get sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.options.maxBytes) {
      callback(fileTooLarge(this.options.maxBytes));
      return;
    }
    this.hash.update(chunk);
    this.keepTail(chunk);
    if (this.decided) {
      this.forward(chunk, callback);
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < SNIFF_BYTES) {
      callback();
      return;
    }
    this.decide(callback);
  }

  override _flush(callback: TransformCallback): void {
    const finish = (error?: Error | null) => {
      if (error) return callback(error);
      if (!this.tee) return callback();
      this.tee.end(() => callback());
    };
    if (this.decided) finish();
    else this.decide(finish);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.tee?.destroy(error ?? undefined);
    callback(error);
  }

  private keepTail(chunk: Buffer): void {
    this.tailChunks.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailChunks.length > 1 && this.tailBytes - this.tailChunks[0].length >= TAIL_BYTES) {
      this.tailBytes -= (this.tailChunks.shift() as Buffer).length;
    }
  }

  private decide(callback: TransformCallback): void {
    const head = Buffer.concat(this.held);
    this.held = [];
    this.options.onHead(head).then(
      (tee) => {
        this.decided = true;
        this.tee = tee;
        this.emit('decided');
        tee?.on('error', (error) => this.destroy(error));
        this.forward(head, callback);
      },
      (error: Error) => callback(error),
    );
  }

  private forward(chunk: Buffer, callback: TransformCallback): void {
    if (chunk.length > 0) this.push(chunk);
    if (!this.tee || chunk.length === 0 || this.tee.write(chunk)) {
      callback();
      return;
    }
    this.tee.once('drain', () => callback());
  }
}
