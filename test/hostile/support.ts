import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type TestAgent from 'supertest/lib/agent';
import type { Response } from 'supertest';
import { settle } from '../support/settle';

/**
 * What a refused request may leave in a local DATA_DIR: nothing but the shared top-level folders
 * (objects/media/, objects/pending/, ...). Any file, any deeper folder (an empty media/<id>/) or
 * any partial write in .tmp is a leftover. `keep` lists key prefixes that belong to fixtures.
 */
/** What the service keeps for itself whatever the requests: the job queue's index and heartbeats. */
const SERVICE_BOOKKEEPING = ['transcriptions/unfinished-index.json', 'transcriptions/workers/'];

export function leftovers(dataDir: string, keep: string[] = []): string[] {
  keep = [...keep, ...SERVICE_BOOKKEEPING];
  const found: string[] = [];
  const walk = (folder: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const key = relative(join(dataDir, 'objects'), path).split('\\').join('/');
      if (keep.some((prefix) => key.startsWith(prefix) || `${key}/`.startsWith(prefix))) continue;
      if (entry.isDirectory()) {
        if (depth >= 1 && key.startsWith('media/')) found.push(`${key}/`);
        walk(path, depth + 1);
      } else {
        found.push(key);
      }
    }
  };
  walk(join(dataDir, 'objects'), 0);
  for (const name of safeList(join(dataDir, '.tmp'))) found.push(`.tmp/${name}`);
  return found;
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/** The one error format: {"error":{"code","message","details"}}, nothing else, no stack. */
export function expectErrorBody(res: Response, code: string): void {
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toEqual({ code, message: expect.any(String), details: expect.any(Object) });
  expect(res.body.error.message).not.toMatch(/App Exception|at \w+ \(|\/work\/|node_modules/);
  expect(JSON.stringify(res.body)).not.toMatch(/"stack"|\/tmp\/media-service/);
}

/** Liveness still answers at once after a hostile request. */
export async function expectAlive(http: TestAgent): Promise<void> {
  const started = Date.now();
  await http.get('/health').expect(200);
  expect(Date.now() - started).toBeLessThan(2000);
}

/**
 * leftovers(), once the store has settled: a refused upload's staging file may still be going
 * away for a moment after the answer (the cleanup of a destroyed stream runs after it). Anything
 * still there after `settleMs` is a real leftover.
 */
export async function settledLeftovers(dataDir: string, keep: string[] = [], settleMs = 2_000): Promise<string[]> {
  return settle(
    () => leftovers(dataDir, keep),
    (found) => found.length === 0,
    settleMs,
  );
}
