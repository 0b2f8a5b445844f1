// Cron schedules of watches, checked with the parser BullMQ's job schedulers use (cron-parser),
// so what the API accepts is what the scheduler runs: 5 fields (minute first) or 6 (seconds
// first), and the @hourly/@daily/... aliases. As with `every`, a watch may not run more often
// than every MIN_INTERVAL_MS.
import cronParser from "cron-parser";
import { MIN_INTERVAL_MS } from "./interval.js";

// How many upcoming runs are compared: enough to catch `0,5 * * * * *` (two runs 5 s apart).
const SAMPLES = 12;

/** Why a cron expression is refused, or undefined when it is fine. */
export function cronProblem(expression: string, now = new Date()): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (!expression.trim().startsWith("@") && (fields.length < 5 || fields.length > 6)) {
    return "must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first)";
  }
  let times: number[];
  try {
    const it = cronParser.parseExpression(expression, { currentDate: now });
    times = Array.from({ length: SAMPLES }, () => it.next().getTime());
  } catch (err) {
    return `is not a valid cron expression: ${(err as Error).message}`;
  }
  for (let i = 1; i < times.length; i++) {
    if (times[i]! - times[i - 1]! < MIN_INTERVAL_MS) return `runs more often than every ${MIN_INTERVAL_MS / 1000}s`;
  }
  return undefined;
}

