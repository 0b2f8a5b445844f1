// The docker CLI's `until` and regops' `unusedFor`: a Go duration (`720h`, `1h30m`, `-5m`)
// counts back from now; anything else is a timestamp, read the way the engine reads it
// (moby api/types/time GetTimestamp): RFC 3339 with or without a zone, a date, or Unix seconds.
import { RegopsError } from "../errors.js";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** A Go `time.ParseDuration` string in milliseconds, or undefined when it is not one. */
export function parseGoDuration(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  const sign = value.startsWith("-") ? -1 : 1;
  let ms = 0;
  for (const [, n, unit] of value.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
  return sign * ms;
}

const UNIX = /^\d+(\.\d{1,9})?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The instant an `until` value names; throws BAD_REQUEST naming `field` when it names none. */
export function parseUntil(value: string, now: Date, field = "filters.until"): Date {
  const d = parseGoDuration(value);
  if (d !== undefined) return new Date(now.getTime() - d);
  if (UNIX.test(value)) return new Date(Math.floor(Number(value) * 1000));
  if (DATE_ONLY.test(value)) return new Date(`${value}T00:00:00Z`);
  if (DATE_TIME.test(value)) {
    // Without a zone the engine reads the time as UTC here (the daemon's TZ is UTC in practice).
    const [date, time] = value.split("T") as [string, string];
    const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(time) ? time : `${time}Z`;
    const hms = zoned.replace(/^(\d{2})(Z|[+-].*)?$/, "$1:00:00$2").replace(/^(\d{2}:\d{2})(Z|[+-].*)?$/, "$1:00$2");
    const parsed = new Date(`${date}T${hms}`);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  throw new RegopsError("BAD_REQUEST", `${field}: "${value}" is neither a Go duration (720h) nor a timestamp (RFC 3339, 2006-01-02, Unix seconds)`, {
    fields: [{ field, message: "must be a Go duration such as 720h or a timestamp" }],
  });
}

/** True when `value` is an acceptable `until`. */
export function isUntil(value: string): boolean {
  try {
    parseUntil(value, new Date());
    return true;
  } catch {
    return false;
  }
}
