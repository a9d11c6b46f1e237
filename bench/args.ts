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
