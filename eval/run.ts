/**
 * npm run eval [-- --subset] [-- --only=speech|images] [-- --speech-sweep] [-- --json=out.json] [-- --set=dev|heldout]
 *   speech: [--lm=FILE.lm.bin] (another language model, e.g. scripts/shopping-lm/build.ts's)
 *           [--extra-args="-warp_params 1.05"] (pocketsphinx options added to the service's)
 *           [--audio-filter="adelay=300:all=1"] (an ffmpeg -af chain before decoding)
 *           [--narrowband] (every recording takes the telephone word-confidence curve)
 *           [--shopping-lm=FILE.lm.bin|none] (the shopping model that decodes first; none: one general pass)
 *           [--calibration=none] (pocketsphinx's posteriors as word confidences) [--fit-calibration] (fit them on dev)
 *   images: [--set=dev|heldout] [--nanodet=false] [--ssd=false] [--views=0,0.25] [--padded=false]
 *           [--padded-margins=0.25,0.5] [--calibration=none]
 *
 * Recognition quality of the local engines on labelled material (manifest.*.json: source and
 * licence per item), per set: dev (tuned on) and heldout (only reported). --subset: the items
 * flagged for CI (from the committed data, well under 2 minutes).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { validateEnvironment } from '../src/config/environment';
import { EvalSet, loadManifest, pct, printTable, SETS } from './lib/common';
import { runSpeech, SpeechItemResult, SpeechSetting, summarise } from './lib/speech';
import { SPEECH_SETTINGS } from './speech-settings';
import { ImageItemResult, runImages, ScoreSample, summariseImages } from './lib/images';
import { CalibrationMode, fitPlatt } from '../src/common/calibration/platt';
import { LocalImageAnalyzer } from '../src/image-analysis/local/local-image-analyzer';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, '').split('=');
    return [key, value.length ? value.join('=') : 'true'];
  }),
);

/** The service's defaults, read from the same place the service reads them. */
export function serviceSpeechSetting(): SpeechSetting {
  const env = validateEnvironment({});
  const filter = (env as unknown as Record<string, unknown>).POCKETSPHINX_AUDIO_FILTER;
  return {
    name: `service default: ${env.POCKETSPHINX_ARGS || '(none)'}${filter ? ` + -af ${String(filter)}` : ''}`,
    args: env.POCKETSPHINX_ARGS.split(/\s+/).filter(Boolean),
    filter: typeof filter === 'string' && filter ? filter : undefined,
    languageModel: env.POCKETSPHINX_LM,
    shoppingLanguageModel: existsSync(env.POCKETSPHINX_SHOPPING_LM) ? env.POCKETSPHINX_SHOPPING_LM : undefined,
  };
}

export interface SpeechReport {
  setting: string;
  /** set -> group -> summary */
  sets: Record<string, Record<string, ReturnType<typeof summarise>>>;
  /** CPU seconds of ffmpeg + pocketsphinx per second of audio, over every item (wall time on a
   * shared machine says more about the neighbours than about the setting). */
  cpuRtf: number;
  items: SpeechItemResult[];
}

export async function evaluateSpeech(
  setting: SpeechSetting,
  subset: boolean,
  calibration: CalibrationMode = 'fitted',
): Promise<SpeechReport> {
  const items = loadManifest('manifest.speech.json').filter(
    (item) =>
      (!subset || item.subset) &&
      (!args.set || item.set === args.set) &&
      (!args.group || args.group.split(',').includes(item.group)),
  );
  const cpuBefore = childCpuSeconds();
  const results = await runSpeech(items, setting, 2, calibration);
  const cpuRtf = (childCpuSeconds() - cpuBefore) / results.reduce((a, r) => a + r.audioSeconds, 0);
  const sets: SpeechReport['sets'] = {};
  for (const set of SETS.filter((s) => !args.set || s === args.set)) {
    const inSet = results.filter((r) => r.set === set);
    const groups = [...new Set(inSet.map((r) => r.group))];
    sets[set] = Object.fromEntries(groups.map((g) => [g, summarise(inSet.filter((r) => r.group === g))]));
    sets[set].all = summarise(inSet);
  }
  return { setting: setting.name, sets, cpuRtf, items: results };
}

/** `-name value` pairs of `extra` replace the same names in `base` (pocketsphinx refuses a name given twice). */
function withOptions(base: string[], extra: string[]): string[] {
  const merged = [...base];
  for (let i = 0; i + 1 < extra.length; i += 2) {
    const at = merged.indexOf(extra[i]);
    if (at >= 0) merged[at + 1] = extra[i + 1];
    else merged.push(extra[i], extra[i + 1]);
  }
  return merged;
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds of reaped children (ffmpeg + pocketsphinx): /proc/self/stat cutime + cstime. */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

function printSpeech(report: SpeechReport): void {
  for (const set of SETS.filter((s) => report.sets[s])) {
    const rows = Object.entries(report.sets[set]).map(([group, s]) => [
      group,
      String(s.items),
      String(s.words),
      pct(s.wer),
      s.rtf.toFixed(3),
      s.secondsPerItem.toFixed(2),
      String(s.shoppingTranscripts),
      s.confidence.meanConfidence.toFixed(3),
      pct(s.confidence.accuracy),
      s.confidence.ece.toFixed(3),
      s.confidence.brier.toFixed(3),
    ]);
    printTable(
      `speech, ${set} (${report.setting})`,
      [
        'group',
        'items',
        'words',
        'WER',
        'RTF wall',
        's/item wall',
        'shopping transcript',
        'mean word confidence',
        'words right',
        'ECE',
        'Brier',
      ],
      rows,
    );
  }
  console.log(`speech CPU real-time factor (ffmpeg + pocketsphinx CPU s / audio s): ${report.cpuRtf.toFixed(3)}`);
}

async function speechSweep(subset: boolean): Promise<SpeechReport[]> {
  const reports: SpeechReport[] = [];
  const pick = args.settings ? args.settings.split(',').map(Number) : SPEECH_SETTINGS.map((_, i) => i);
  for (const setting of pick.map((i) => SPEECH_SETTINGS[i])) {
    const report = await evaluateSpeech(setting, subset);
    reports.push(report);
    const cell = (set: EvalSet, group: string) => pct(report.sets[set]?.[group]?.wer ?? NaN);
    console.log(
      [
        setting.name,
        ...(['real', 'prompts', 'telephone', 'synthetic-slt', 'synthetic-diphone', 'all'] as const).flatMap((g) => [
          cell('dev', g),
          cell('heldout', g),
        ]),
        report.cpuRtf.toFixed(3),
      ].join(' | '),
    );
  }
  return reports;
}

export interface ImageReport {
  defaultThreshold: number;
  sets: Record<string, Record<string, ReturnType<typeof summariseImages>>>;
  items: ImageItemResult[];
  samples: ScoreSample[];
}

export async function evaluateImages(subset: boolean, calibration: CalibrationMode = 'fitted'): Promise<ImageReport> {
  const env = validateEnvironment({});
  const items = loadManifest('manifest.images.json').filter(
    (item) => (!subset || item.subset) && (!args.set || item.set === args.set),
  );
  // As the service builds it (image-analysis.module.ts), one worker each: one request at a time.
  const analyzer = new LocalImageAnalyzer({
    visionWorkers: 1,
    ocrWorkers: 1,
    visionMaxSide: 640,
    defaultMinConfidence: env.IMAGE_LOCAL_MIN_CONFIDENCE,
    calibration,
    nanodet: args.nanodet !== 'false',
    ssd: args.ssd !== 'false',
    // --views=0,0.25: the object-detection views to compare (vision-worker.js); default the service's.
    objectViews: args.views ? args.views.split(',').map(Number) : undefined,
    // --padded=false: never the padded view on demand (the previous default), to compare.
    paddedView: args.padded !== 'false',
    // --padded-margins=0.25,0.5: the padded views of the second look (default the service's).
    paddedMargins: args['padded-margins'] ? args['padded-margins'].split(',').map(Number) : undefined,
    // Run under nice on a shared machine: an image may wait minutes for the CPU.
    timeoutMs: 900_000,
  });
  try {
    const samples: ScoreSample[] = [];
    const results = await runImages(items, analyzer, samples);
    const sets: ImageReport['sets'] = {};
    for (const set of SETS) {
      const inSet = results.filter((r) => r.set === set);
      const groups = [...new Set(inSet.map((r) => r.group))];
      sets[set] = Object.fromEntries(
        groups.map((g) => [
          g,
          summariseImages(
            inSet.filter((r) => r.group === g),
            analyzer.defaultMinConfidence,
          ),
        ]),
      );
      sets[set].all = summariseImages(inSet, analyzer.defaultMinConfidence);
    }
    return { defaultThreshold: analyzer.defaultMinConfidence, sets, items: results, samples };
  } finally {
    await analyzer.close();
  }
}

function printImages(report: ImageReport): void {
  for (const set of SETS) {
    const rows = Object.entries(report.sets[set]).map(([group, s]) => [
      group,
      String(s.items),
      pct(s.top1),
      pct(s.top5),
      `${pct(s.precisionAtDefault)} (${s.returnedAtDefault})`,
      `${pct(s.precisionAt07)} (${s.returnedAt07})`,
      pct(s.nonEmptyAt07WhenRight),
      pct(s.anyAt07WhenRight),
      pct(s.ocrLineRecall),
      s.msPerItem.toFixed(0),
    ]);
    printTable(
      `images, ${set} (default threshold ${report.defaultThreshold})`,
      [
        'group',
        'items',
        'top-1',
        'top-5',
        'precision@default (n)',
        'precision@0.7 (n)',
        'right & kept @0.7',
        'non-empty @0.7',
        'OCR line recall',
        'ms/item',
      ],
      rows,
    );
  }
}

async function main(): Promise<void> {
  const subset = args.subset === 'true';
  const only = args.only;
  const out: Record<string, unknown> = { date: new Date().toISOString(), subset };
  if (args['speech-sweep'] === 'true') {
    console.log(
      'setting | real dev | real held-out | prompts dev | prompts held-out | telephone dev | telephone held-out | slt dev | slt held-out | diphone dev | diphone held-out | all dev | all held-out | CPU RTF',
    );
    out.speechSweep = await speechSweep(subset);
  } else {
    if (!only || only === 'speech') {
      const setting = serviceSpeechSetting();
      // --lm=FILE: another language model with the service's other settings (compare on dev).
      if (args.lm) Object.assign(setting, { name: `${setting.name} + -lm ${args.lm}`, languageModel: args.lm });
      // --extra-args="-warp_params 1.05": pocketsphinx options set over the service's (compare on dev).
      if (args['extra-args']) {
        setting.args = withOptions(setting.args, args['extra-args'].split(/\s+/).filter(Boolean));
        setting.name += ` + ${args['extra-args']}`;
      }
      // --audio-filter="adelay=300:all=1": an ffmpeg -af chain before decoding (compare on dev).
      if (args['audio-filter']) {
        setting.filter = args['audio-filter'];
        setting.name += ` + -af ${args['audio-filter']}`;
      }
      // --narrowband: every recording takes the telephone curve (with --audio-filter=aresample=8000).
      if (args.narrowband === 'true') {
        setting.narrowband = true;
        setting.name += ' as narrowband audio';
      }
      // --shopping-lm=FILE|none: the shopping model that decodes first, or one pass (the general model only).
      if (args['shopping-lm'])
        setting.shoppingLanguageModel = args['shopping-lm'] === 'none' ? undefined : args['shopping-lm'];
      if (setting.shoppingLanguageModel)
        setting.name += ` + ${setting.shoppingLanguageModel} first, keeping what it hears as a request`;
      const fit = args['fit-calibration'] === 'true';
      const report = await evaluateSpeech(setting, subset, fit || args.calibration === 'none' ? 'none' : 'fitted');
      printSpeech(report);
      out.speech = report;
      if (fit) {
        // Fitted on dev only (word-confidence.ts): wideband per pass kept, narrowband one curve;
        // the next plain run reports held-out.
        const curves = [
          ...(['shopping', 'general'] as const).map((pass) => ({
            name: pass,
            of: (r: SpeechItemResult) => r.band === 'wideband' && r.languageModel === pass,
          })),
          { name: 'narrowband', of: (r: SpeechItemResult) => r.band === 'narrowband' },
        ];
        for (const curve of curves) {
          const dev = report.items
            .filter((r) => r.set === 'dev' && curve.of(r))
            .flatMap((r) => r.confidences.map((score, i) => ({ score, right: r.rightWords[i] })));
          if (dev.length === 0) continue;
          const right = dev.filter((s) => s.right).length;
          console.log(
            `word confidence ${curve.name}: ${JSON.stringify(fitPlatt(dev))} from ${dev.length} dev words (${right} right)`,
          );
        }
      }
    }
    if (!only || only === 'images') {
      const fit = args['fit-calibration'] === 'true';
      const report = await evaluateImages(subset, fit || args.calibration === 'none' ? 'none' : 'fitted');
      printImages(report);
      out.images = report;
      if (fit) {
        // Fitted on dev only; the held-out figures of the next plain run are the check.
        for (const engine of [...new Set(report.samples.map((s) => s.engine))]) {
          const dev = report.samples.filter((s) => s.engine === engine && s.set === 'dev');
          const right = dev.filter((s) => s.right).length;
          console.log(
            `calibration ${engine}: ${JSON.stringify(fitPlatt(dev))} from ${dev.length} dev detections (${right} right)`,
          );
        }
      }
    }
  }
  if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 1));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
