// Poll intervals of watches: `30s`, `5m`, `1h`. At least MIN_INTERVAL_MS, so a watch cannot
// hammer a registry; at most a week (longer or calendar-bound schedules: use `cron`).

export const MIN_INTERVAL_MS = 10_000;
export const MAX_INTERVAL_MS = 7 * 24 * 3_600_000;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5m` → 300000. Assumes the form was checked (intervalProblem). */
export function parseInterval(v: string): number {
  const n = Number(v.slice(0, -1));
  return n * UNIT_MS[v.slice(-1) as keyof typeof UNIT_MS];
}

/** Why an interval is refused, or undefined when it is fine. */
export function intervalProblem(v: string): string | undefined {
  if (!/^\d{1,9}[smh]$/.test(v)) return "must be a number with s, m or h, e.g. 5m";
  const ms = parseInterval(v);
  if (ms < MIN_INTERVAL_MS) return `must be at least ${MIN_INTERVAL_MS / 1000}s`;
  if (ms > MAX_INTERVAL_MS) return "must be at most 168h (use cron for longer schedules)";
  return undefined;
}
