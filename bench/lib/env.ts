// Bench options from the environment: a typo such as BENCH_RUNS=five stops the run at the start
// instead of benchmarking with NaN.

/** The integer `name` holds, or `fallback` when unset or empty; anything else below `min` throws. */
export function intEnv(name: string, fallback: number, min = 1): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}
