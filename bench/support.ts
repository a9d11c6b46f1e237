import { readFileSync } from 'node:fs';

/**
 * The benches' command line: `--key=value` pairs and bare `--flag`s (true), after `npm run bench:x --`.
 * One parser so every bench reads its options the same way.
 */
export function benchArgs(argv: string[] = process.argv.slice(2)): Record<string, string> {
  return Object.fromEntries(
    argv
      .filter((arg) => arg.startsWith('--'))
      .map((arg) => {
        const [key, ...rest] = arg.slice(2).split('=');
        return [key, rest.length > 0 ? rest.join('=') : 'true'];
      }),
  );
}

/** A numeric option with its default; a value that is not a number stops the bench with a clear line. */
export function numberArg(args: Record<string, string>, key: string, fallback: number): number {
  if (args[key] === undefined) return fallback;
  const value = Number(args[key]);
  if (!Number.isFinite(value)) throw new Error(`--${key} must be a number, got "${args[key]}"`);
  return value;
}

/** Polls readiness until no engine reports `loaded: false` (the image models load after start). */
export async function waitForModelsLoaded(baseUrl: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const res = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
    const text = res ? await res.text() : '';
    if (res?.ok && !text.includes('"loaded":false')) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`engines still loading after ${timeoutMs} ms`);
}

/** Samples a process's RSS every 20 ms; peak() is the highest seen since start(). */
export function rssSampler(pid: number) {
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    } catch {
      return 0; // the process is gone
    }
  };
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  const cpuSeconds = () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
    } catch {
      return 0;
    }
  };
  return {
    current: read,
    cpuSeconds,
    start() {
      peak = read();
      timer = setInterval(() => (peak = Math.max(peak, read())), 20);
    },
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
