export type EnvValues = Record<string, string | undefined>;

/** Sets (or, for undefined, removes) these environment variables; the returned function puts back what was there. */
export function applyEnv(values: EnvValues): () => void {
  const saved: EnvValues = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  const apply = (next: EnvValues) => {
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  return () => apply(saved);
}

/** `read()` under these environment variables, which are restored afterwards (also when it throws). */
export function withEnv<T>(values: EnvValues, read: () => T): T {
  const restore = applyEnv(values);
  try {
    return read();
  } finally {
    restore();
  }
}
