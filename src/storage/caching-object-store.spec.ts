import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachingObjectStore } from './caching-object-store';
import { jsonDocument } from './json-document';
import { LocalObjectStore } from './local-object-store';
import { isWriteOnceDocument } from './storage.module';

describe('CachingObjectStore', () => {
  let dataDir: string;
  let disk: LocalObjectStore;
  let store: CachingObjectStore;
  let reads: number;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'caching-store-'));
    disk = new LocalObjectStore(dataDir);
    await disk.init();
    reads = 0;
    const readJson = disk.readJson.bind(disk);
    disk.readJson = <T>(key: string) => {
      reads++;
      return readJson<T>(key);
    };
    store = new CachingObjectStore(disk, {
      maxEntries: 100,
      maxBytes: 1024 * 1024,
      ttlMs: 60_000,
      cacheable: isWriteOnceDocument,
    });
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const recordKey = 'media/0b7c3f1e-0000-4000-8000-000000000001/record.json';

  it('answers a repeated read of a write-once record without touching the store', async () => {
    await disk.writeJson(recordKey, { media_id: 'a', size: 1 });
    expect(await store.readJson(recordKey)).toEqual({ media_id: 'a', size: 1 });
    expect(await store.readJson(recordKey)).toEqual({ media_id: 'a', size: 1 });
    expect(reads).toBe(1);
  });

  it('hands every caller its own copy', async () => {
    await store.writeJson(recordKey, { tags: ['x'] });
    const first = await store.readJson<{ tags: string[] }>(recordKey);
    first!.tags.push('changed by a caller');
    expect(await store.readJson(recordKey)).toEqual({ tags: ['x'] });
  });

  it('serves its own write at once and forgets on delete and deletePrefix', async () => {
    await store.writeJson(recordKey, { v: 1 });
    expect(await store.readJson(recordKey)).toEqual({ v: 1 });
    expect(reads).toBe(0);
    await store.delete(recordKey);
    expect(await store.readJson(recordKey)).toBeNull();

    await store.writeJson(recordKey, { v: 2 });
    await store.deletePrefix('media/0b7c3f1e-0000-4000-8000-000000000001/');
    expect(await store.readJson(recordKey)).toBeNull();
  });

  it('never caches documents that change in place (jobs) nor missing ones', async () => {
    const jobKey = 'transcriptions/jobs/j1.json';
    await store.writeJson(jobKey, { status: 'queued' });
    await disk.writeJson(jobKey, { status: 'completed' });
    expect(await store.readJson(jobKey)).toEqual({ status: 'completed' });

    expect(await store.readJson(recordKey)).toBeNull();
    await disk.writeJson(recordKey, { v: 'made by another replica' });
    expect(await store.readJson(recordKey)).toEqual({ v: 'made by another replica' });
  });

  it('sees a change made behind its back once the TTL has passed', async () => {
    const shortLived = new CachingObjectStore(disk, {
      maxEntries: 100,
      maxBytes: 1024 * 1024,
      ttlMs: 50,
      cacheable: isWriteOnceDocument,
    });
    await disk.writeJson(recordKey, { v: 1 });
    expect(await shortLived.readJson(recordKey)).toEqual({ v: 1 });
    // Another replica deletes the media: the file goes away underneath this one.
    rmSync(join(dataDir, 'objects', 'media'), { recursive: true, force: true });
    expect(await shortLived.readJson(recordKey)).toEqual({ v: 1 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await shortLived.readJson(recordKey)).toBeNull();
  });

  it('does not cache a read that raced a delete', async () => {
    await disk.writeJson(recordKey, { v: 1 });
    const reading = store.readJson(recordKey);
    await store.delete(recordKey);
    await reading;
    expect(await store.readJson(recordKey)).toBeNull();
  });

  it('keeps within its byte budget', async () => {
    const small = new CachingObjectStore(disk, {
      maxEntries: 100,
      maxBytes: 2048,
      ttlMs: 60_000,
      cacheable: () => true,
    });
    for (let i = 0; i < 10; i++) await small.writeJson(`cache/x/${i}.json`, { pad: 'x'.repeat(500) });
    reads = 0;
    for (let i = 0; i < 10; i++) await small.readJson(`cache/x/${i}.json`);
    expect(reads).toBeGreaterThanOrEqual(6);
  });

  describe('readJsonDocument (read-only answers)', () => {
    it('serves the bytes and ETag made once per cached copy, with a frozen value', async () => {
      await disk.writeJson(recordKey, { media_id: 'a', tags: ['x'] });
      const first = await store.readJsonDocument!<{ tags: string[] }>(recordKey);
      const again = await store.readJsonDocument!<{ tags: string[] }>(recordKey);
      expect(reads).toBe(1);
      // The same bytes, not serialised again; what res.json would send, with Express's weak ETag.
      expect(again!.body).toBe(first!.body);
      expect(first!.body.toString()).toBe(JSON.stringify({ media_id: 'a', tags: ['x'] }));
      expect(first!.etag).toBe(jsonDocument({ media_id: 'a', tags: ['x'] }).etag);
      expect(first!.etag).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
      expect(Object.isFrozen(first!.value.tags)).toBe(true);
      // readJson callers still get their own mutable copy.
      (await store.readJson<{ tags: string[] }>(recordKey))!.tags.push('mine');
      expect((await store.readJsonDocument!<{ tags: string[] }>(recordKey))!.value.tags).toEqual(['x']);
    });

    it('a write through this replica gives new bytes and a new ETag at once; a delete gives null', async () => {
      await store.writeJson(recordKey, { v: 1 });
      const before = await store.readJsonDocument!(recordKey);
      await store.writeJson(recordKey, { v: 2 });
      const after = await store.readJsonDocument!(recordKey);
      expect(after!.body.toString()).toBe('{"v":2}');
      expect(after!.etag).not.toBe(before!.etag);
      await store.delete(recordKey);
      expect(await store.readJsonDocument!(recordKey)).toBeNull();
    });

    it('documents that change in place are read from the store every time', async () => {
      const jobKey = 'transcriptions/jobs/j1.json';
      await disk.writeJson(jobKey, { status: 'queued' });
      expect((await store.readJsonDocument!(jobKey))!.body.toString()).toBe('{"status":"queued"}');
      await disk.writeJson(jobKey, { status: 'completed' });
      expect((await store.readJsonDocument!(jobKey))!.value).toEqual({ status: 'completed' });
    });
  });
});
