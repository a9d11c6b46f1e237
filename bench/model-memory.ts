/**
 * npm run bench:models [-- --sets=objects,nanodet,ssd,faces,moderation,text,all]
 *
 * The memory each local image model costs: for each set (one model, or `all`), a fresh process
 * loads it in one worker (vision models) or one tesseract.js worker (`text`), runs one image
 * through it, and reports its RSS against the same process before loading anything. A pool of N
 * workers costs about N times the vision figure (each worker holds its own models); IMAGE_LOCAL_MODELS
 * picks the models, IMAGE_ANALYSIS_WORKERS / IMAGE_OCR_WORKERS the workers.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_IMAGE_MODELS, type LocalImageModel } from '../src/config/environment';
import { ANALYSIS_TYPES, type AnalysisType } from '../src/image-analysis/image-analysis.types';
import { LocalImageAnalyzer } from '../src/image-analysis/local/local-image-analyzer';
import { prepareImage } from '../src/image-analysis/preprocess/prepared-image';
import { benchArgs } from './support';

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

/** Child mode: load one set, analyse one photo, print the RSS before and after as JSON. */
async function measureOne(set: string): Promise<void> {
  const models = (set === 'all' ? [...LOCAL_IMAGE_MODELS] : [set]) as LocalImageModel[];
  global.gc?.();
  const before = rssMb();
  const analyzer = new LocalImageAnalyzer({
    visionWorkers: 1,
    ocrWorkers: 1,
    visionMaxSide: 640,
    defaultMinConfidence: 0.4,
    models,
  });
  const started = Date.now();
  await analyzer.warmUp();
  const loadMs = Date.now() - started;
  const photo = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'images', 'coffee.jpg'));
  const image = await prepareImage(photo, { maxPixels: 1e8, workingMaxSide: 2048, allowedFormats: ['jpeg'] });
  const types = ANALYSIS_TYPES.filter((type) =>
    set === 'all'
      ? true
      : (
          {
            objects: ['objects'],
            nanodet: ['objects'],
            ssd: ['objects'],
            faces: ['faces'],
            moderation: ['moderation'],
            text: ['text'],
          }[set] ?? []
        ).includes(type),
  ) as AnalysisType[];
  await analyzer.analyze(image, { types, maxLabels: 10, minConfidence: 0.4 });
  global.gc?.();
  const after = rssMb();
  await analyzer.close();
  process.stdout.write(`${JSON.stringify({ set, before, after, loadMs })}\n`);
}

function main(): void {
  const args = benchArgs();
  const sets = (args.sets ?? `${LOCAL_IMAGE_MODELS.join(',')},all`).split(',');
  console.log('model set   | RSS before MB | RSS loaded + 1 image MB | cost MB | load ms');
  console.log('------------|---------------|-------------------------|---------|--------');
  for (const set of sets) {
    if (set !== 'all' && !(LOCAL_IMAGE_MODELS as readonly string[]).includes(set))
      throw new Error(`unknown set ${set}`);
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, `--one=${set}`],
      { cwd: join(__dirname, '..'), encoding: 'utf8' },
    );
    const line = out.trim().split('\n').pop() as string;
    const { before, after, loadMs } = JSON.parse(line) as { before: number; after: number; loadMs: number };
    console.log(
      [
        set.padEnd(11),
        before.toFixed(0).padStart(13),
        after.toFixed(0).padStart(23),
        (after - before).toFixed(0).padStart(7),
        String(loadMs).padStart(7),
      ].join(' | '),
    );
  }
}

const one = benchArgs().one;
if (one) {
  measureOne(one).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main();
}
