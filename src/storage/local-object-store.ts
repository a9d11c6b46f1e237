import { HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { assertSafeKey, assertSafePrefix } from './object-key';
import { ByteRange, ObjectStore, PutOptions, StoredObject } from './object-store';

/** A partial write not touched for this long belongs to a process that is gone (a live one keeps writing). */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * ObjectStore on local disk under DATA_DIR:
 *   objects/<key>   the data
 *   .tmp/           partial writes, renamed into objects/ only when complete (same filesystem,
 *                   so the rename is atomic and a crash never leaves a half file visible)
 */
export class LocalObjectStore implements ObjectStore {
  readonly driver = 'local' as const;
  private readonly logger = new Logger(LocalObjectStore.name);
  private readonly objectsDir: string;
  private readonly tmpDir: string;

  constructor(readonly rootDir: string) {
    this.objectsDir = join(rootDir, 'objects');
    this.tmpDir = join(rootDir, '.tmp');
  }

  /**
   * Creates the folders and clears partial writes a crash may have left: only files untouched for
   * an hour, since another replica sharing DATA_DIR may be writing the fresh ones right now.
   */
  async init(): Promise<void> {
    await mkdir(this.objectsDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
    const staleBefore = Date.now() - STALE_TEMP_MS;
    for (const name of await readdir(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < staleBefore) await rm(path, { recursive: true, force: true });
    }
  }

  /** Absolute path of an object, for engines that read files directly (ffmpeg, sharp). */
  pathOf(key: string): string {
    return join(this.objectsDir, assertSafeKey(key));
  }

  localPathOf(key: string): string {
    return this.pathOf(key);
  }

  /** Where callers may stage scratch files on the same filesystem (stale ones cleared at start). */
  get scratchDir(): string {
    return this.tmpDir;
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    const temporary = join(this.tmpDir, randomUUID());
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(temporary, { flags: 'wx' }), { signal: options.signal });
      if (options.verify) await options.verify({ localPath: temporary });
      options.signal?.throwIfAborted();
      if (options.exclusive) {
        // link() fails with EEXIST where rename() would replace: first writer wins.
        await this.intoPlace(target, () => link(temporary, target));
        await unlink(temporary);
      } else {
        await this.intoPlace(target, () => rename(temporary, target));
      }
    } catch (error) {
      await rm(temporary, { force: true });
      throw this.translate(error);
    }
    return (await this.head(key)) as StoredObject;
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const info = await stat(this.pathOf(key));
      if (!info.isFile()) return null;
      return {
        key,
        size: info.size,
        etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
        lastModified: info.mtime,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.translate(error);
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable | null> {
    const path = this.pathOf(key);
    if (!(await this.head(key))) return null;
    return createReadStream(path, range ? { start: range.start, end: range.end } : undefined);
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
      await this.pruneEmptyFolders(dirname(this.pathOf(key)));
    } catch (error) {
      throw this.translate(error);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    let count = 0;
    for await (const object of this.list(prefix)) {
      await this.delete(object.key);
      count += 1;
    }
    return count;
  }

  /** Moves the object in, making its folder when missing; again if a delete pruned the folder meanwhile. */
  private async intoPlace(target: string, move: () => Promise<void>): Promise<void> {
    // The folder is there for nearly every write (analyses/, cache/...): the move is tried first and
    // the folder made only when it is missing, one filesystem call fewer per write.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await move();
      } catch (error) {
        if (attempt >= 4 || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      await mkdir(dirname(target), { recursive: true });
    }
  }

  /**
   * Removes folders a delete left empty (media/<id>/ once its last object went), walking up but
   * never removing a top-level folder (media/, jobs/...) that every writer shares.
   */
  private async pruneEmptyFolders(folder: string): Promise<void> {
    let current = folder;
    while (
      relative(this.objectsDir, current).split(sep).length > 1 &&
      !relative(this.objectsDir, current).startsWith('..')
    ) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or already gone): the folders above are not empty either
      }
      current = dirname(current);
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    assertSafePrefix(prefix);
    // Walk only the deepest folder the prefix names, then filter by the rest of the prefix.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    yield* this.walk(join(this.objectsDir, folder), prefix);
  }

  private async *walk(directory: string, prefix: string): AsyncIterable<StoredObject> {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.translate(error);
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(directory, entry.name);
      const key = relative(this.objectsDir, path).split(sep).join('/');
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(path, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const object = await this.head(key);
        if (object) yield object;
      }
    }
  }

  async readJson<T>(key: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.pathOf(key), 'utf8')) as T;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.translate(error);
    }
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    const target = this.pathOf(key);
    const temporary = join(this.tmpDir, randomUUID());
    try {
      await writeFile(temporary, JSON.stringify(value));
      await this.intoPlace(target, () => rename(temporary, target));
    } catch (error) {
      await rm(temporary, { force: true });
      throw this.translate(error);
    }
  }

  async ping(): Promise<void> {
    const probe = join(this.tmpDir, `.ping-${randomUUID()}`);
    try {
      await writeFile(probe, '');
      await rm(probe, { force: true });
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** Caller mistakes (aborts) pass through; disk faults become 503 STORAGE_UNAVAILABLE. */
  private translate(error: unknown): unknown {
    if (error instanceof AppException) return error;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ABORT_ERR' || (error as Error | undefined)?.name === 'AbortError') return error;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      this.logger.error({ err: error }, 'local storage is full');
      return new AppException(
        ErrorCode.INSUFFICIENT_STORAGE,
        'The media storage is full: nothing was stored; retry later',
        HttpStatus.INSUFFICIENT_STORAGE,
        { driver: this.driver },
      );
    }
    if (code && ['ENOSPC', 'EACCES', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'EPERM', 'EDQUOT'].includes(code)) {
      this.logger.error({ err: error }, 'local storage failure');
      return AppException.unavailable(ErrorCode.STORAGE_UNAVAILABLE, 'Media storage is unavailable', {
        driver: this.driver,
      });
    }
    return error;
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
