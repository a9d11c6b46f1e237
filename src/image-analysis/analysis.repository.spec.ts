import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../storage/local-object-store';
import { analysisResult } from '../../test/factories/analysis.factory';
import { AnalysisRepository, analysisKeys } from './analysis.repository';

describe('AnalysisRepository.saveBehind', () => {
  let dataDir: string;
  let disk: LocalObjectStore;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'analysis-repo-'));
    disk = new LocalObjectStore(dataDir);
    await disk.init();
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('reads its own record while the write is still running, then from the store', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writeJson = disk.writeJson.bind(disk);
    disk.writeJson = async (key, value) => {
      await gate;
      return writeJson(key, value);
    };
    const records = new AnalysisRepository(disk);
    const result = analysisResult();

    records.saveBehind(result);
    expect(await disk.readJson(analysisKeys.record(result.analysis_id))).toBeNull();
    expect(await records.get(result.analysis_id)).toEqual(result);

    release();
    await records.onApplicationShutdown();
    expect(await disk.readJson(analysisKeys.record(result.analysis_id))).toEqual(result);
    expect(await records.get(result.analysis_id)).toEqual(result);
  });

  it('a failed write is logged, not thrown, and the record is then gone', async () => {
    disk.writeJson = () => Promise.reject(new Error('disk full'));
    const records = new AnalysisRepository(disk);
    const result = analysisResult();
    records.saveBehind(result);
    await records.onApplicationShutdown();
    expect(await records.get(result.analysis_id)).toBeNull();
  });
});
