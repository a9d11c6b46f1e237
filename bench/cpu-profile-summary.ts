/**
 * node -r ts-node/register/transpile-only bench/cpu-profile-summary.ts FILE.cpuprofile [--from=US --to=US] [--top=25]
 *
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time, optionally only between two
 * timestamps (microseconds of the monotonic clock, i.e. `process.hrtime.bigint() / 1000n` in any
 * process of the same machine: what bench:load records around each load window). Prints self time
 * per package or source file (node_modules/<package>, src/<file>, node:<module>, V8's own
 * (garbage collector)/(program)/(idle)), inclusive time per package (samples with that package
 * anywhere on the stack: what a middleware costs with everything it calls), and the top functions.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Microseconds sampled in the window, idle included. */
  totalUs: number;
  idleUs: number;
  selfByGroup: Map<string, number>;
  inclusiveByGroup: Map<string, number>;
  selfByFunction: Map<string, number>;
}

/** The package or file a frame belongs to: what the tables group by. */
export function groupOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) {
    const module = url.slice('node:'.length).replace(/^internal\//, '');
    return `node:${module.split('/')[0]}`;
  }
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const parts = path.slice(inModules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const inSrc = path.lastIndexOf('/src/');
  if (inSrc >= 0) return path.slice(inSrc + 1);
  return path;
}

export function summarise(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // The groups on each node's stack, computed once per node.
  const stackGroups = new Map<number, Set<string>>();
  const groupsOnStack = (id: number): Set<string> => {
    const known = stackGroups.get(id);
    if (known) return known;
    const up = parent.get(id);
    const groups = new Set(up === undefined ? [] : groupsOnStack(up));
    groups.add(groupOf((byId.get(id) as ProfileNode).callFrame));
    stackGroups.set(id, groups);
    return groups;
  };

  const summary: ProfileSummary = {
    totalUs: 0,
    idleUs: 0,
    selfByGroup: new Map(),
    inclusiveByGroup: new Map(),
    selfByFunction: new Map(),
  };
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    // A sample's time is the gap to the next one (V8 attributes the interval that way).
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const node = byId.get(profile.samples[i]) as ProfileNode;
    const group = groupOf(node.callFrame);
    summary.totalUs += us;
    if (group === '(idle)') {
      summary.idleUs += us;
      continue;
    }
    add(summary.selfByGroup, group, us);
    for (const onStack of groupsOnStack(node.id)) add(summary.inclusiveByGroup, onStack, us);
    const { functionName, lineNumber } = node.callFrame;
    add(summary.selfByFunction, `${functionName || '(anonymous)'} ${group}:${lineNumber + 1}`, us);
  }
  return summary;
}

/** The summary as text tables: shares of the busy (non-idle) time. */
export function formatSummary(summary: ProfileSummary, top = 25): string {
  const busy = summary.totalUs - summary.idleUs;
  const lines = [
    `sampled ${(summary.totalUs / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${percent(busy, summary.totalUs)} of the window)`,
  ];
  const table = (title: string, map: Map<string, number>) => {
    lines.push(`  ${title}`);
    for (const [key, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      lines.push(`    ${percent(us, busy).padStart(6)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
    }
  };
  table('self time by package / file (share of busy time)', summary.selfByGroup);
  table('inclusive time by package / file (on the stack)', summary.inclusiveByGroup);
  table('self time by function', summary.selfByFunction);
  return lines.join('\n');
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

if (require.main === module) {
  const files = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const option = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  if (files.length === 0) {
    console.error('usage: cpu-profile-summary.ts FILE.cpuprofile [--from=US --to=US] [--top=25]');
    process.exit(2);
  }
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const summary = summarise(profile, Number(option('from') ?? -Infinity), Number(option('to') ?? Infinity));
    console.log(`${file}\n${formatSummary(summary, Number(option('top') ?? 25))}`);
  }
}
