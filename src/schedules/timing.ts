// When a schedule runs: `every` an interval (`2s`, `5m`, `1h`; at least a second, since a
// schedule submits ordinary jobs and a tick is one job), or a cron expression in an IANA time
// zone. Cron expressions are checked with the parser BullMQ's job schedulers use (cron-parser),
// with the same time zone, so what the API accepts is what the scheduler runs.
import cronParser from "cron-parser";

export const MIN_EVERY_MS = 1000;
export const MAX_EVERY_MS = 31 * 86_400_000;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `5m` → 300000. Assumes the form was checked (everyProblem). */
export function parseEvery(v: string): number {
  return Number(v.slice(0, -1)) * UNIT_MS[v.slice(-1) as keyof typeof UNIT_MS];
}

/** Why an interval is refused, or undefined when it is fine. */
export function everyProblem(v: string): string | undefined {
  if (!/^\d{1,9}[smhd]$/.test(v)) return "must be a number with s, m, h or d, e.g. 30s or 6h";
  const ms = parseEvery(v);
  if (ms < MIN_EVERY_MS) return "must be at least 1s";
  if (ms > MAX_EVERY_MS) return "must be at most 31d (use cron for longer schedules)";
  return undefined;
}

/** Why a time zone is refused (not an IANA name this runtime knows), or undefined. */
export function timezoneProblem(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return undefined;
  } catch {
    return "is not an IANA time zone, e.g. Europe/Berlin or UTC";
  }
}

/** Why a cron expression is refused (in that time zone), or undefined when it is fine. */
export function cronProblem(expression: string, tz?: string, now = new Date()): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (!expression.trim().startsWith("@") && (fields.length < 5 || fields.length > 6)) {
    return "must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first)";
  }
  try {
    cronParser.parseExpression(expression, { currentDate: now, ...(tz ? { tz } : {}) }).next();
    return undefined;
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
}

/** The next runs of a cron expression (for tests and previews). */
export function nextCronRuns(expression: string, tz: string | undefined, count: number, now = new Date()): Date[] {
  const it = cronParser.parseExpression(expression, { currentDate: now, ...(tz ? { tz } : {}) });
  return Array.from({ length: count }, () => it.next().toDate());
}
