/**
 * Speech settings compared by `npm run eval -- --speech-sweep`. The figures of each are in the
 * README (eval section). The service default (POCKETSPHINX_ARGS / POCKETSPHINX_AUDIO_FILTER) is
 * the one the held-out set chose; these stay so the comparison can be rerun.
 */
import type { SpeechSetting } from './lib/speech';

export const SPEECH_SETTINGS: SpeechSetting[] = [
  { name: 'pocketsphinx defaults', args: [] },
  {
    name: 'previous default (until the eighth round): -pl_window 10 -maxhmmpf 3000 -topn 2',
    args: ['-pl_window', '10', '-maxhmmpf', '3000', '-topn', '2'],
  },
  { name: 'loudnorm', args: [], filter: 'loudnorm=I=-23:TP=-2' },
  { name: 'dynaudnorm', args: [], filter: 'dynaudnorm' },
  { name: 'highpass 80 Hz', args: [], filter: 'highpass=f=80' },
  { name: 'soxr resampler', args: [], filter: 'aresample=16000:resampler=soxr:precision=28' },
  {
    name: 'wide beams (-beam 1e-60 -pbeam 1e-60 -wbeam 1e-40)',
    args: ['-beam', '1e-60', '-pbeam', '1e-60', '-wbeam', '1e-40'],
  },
  { name: '-topn 8', args: ['-topn', '8'] },
  { name: '-lw 8 (fwdflatlw 9.5, bestpathlw 10.5)', args: ['-lw', '8', '-fwdflatlw', '9.5', '-bestpathlw', '10.5'] },
  { name: '-lw 5.5 (fwdflatlw 7.5, bestpathlw 8.5)', args: ['-lw', '5.5', '-fwdflatlw', '7.5', '-bestpathlw', '8.5'] },
  { name: '-wip 0.3', args: ['-wip', '0.3'] },
  { name: '-wip 1.5', args: ['-wip', '1.5'] },
  { name: '-pip 0.5', args: ['-pip', '0.5'] },
  { name: '-silprob 0.1', args: ['-silprob', '0.1'] },
  { name: '-bestpath no', args: ['-bestpath', 'no'] },
  { name: '-fwdflat no -bestpath no', args: ['-fwdflat', 'no', '-bestpath', 'no'] },
  { name: '-remove_noise no', args: ['-remove_noise', 'no'] },
  { name: 'speed: -maxhmmpf 10000', args: ['-maxhmmpf', '10000'] },
  { name: 'speed: -pl_window 10', args: ['-pl_window', '10'] },
  // eighth round (3 Dec 2026): VTLN frequency warp, measured with the shopping model first.
  { name: '-warp_params 1.08', args: ['-warp_params', '1.08'] },
  {
    name: '-warp_params 1.08 -maxhmmpf 10000 (default since the eighth round)',
    args: ['-warp_params', '1.08', '-maxhmmpf', '10000'],
  },
  {
    name: '-warp_params 1.08 with the previous pruning',
    args: ['-warp_params', '1.08', '-pl_window', '10', '-maxhmmpf', '3000', '-topn', '2'],
  },
  { name: '-warp_params 1.08 -pl_window 10', args: ['-warp_params', '1.08', '-pl_window', '10'] },
  {
    name: '-warp_params 1.08 -pl_window 10 -maxhmmpf 10000',
    args: ['-warp_params', '1.08', '-pl_window', '10', '-maxhmmpf', '10000'],
  },
  {
    name: '-warp_type piecewise_linear -warp_params 1.08',
    args: ['-warp_type', 'piecewise_linear', '-warp_params', '1.08'],
  },
];
