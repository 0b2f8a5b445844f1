// The scan limits (scanner.limits.*) as code uses them: the defaults, the byte value of a MiB
// key, and the SCAN_LIMIT error that names the limit, its config key and its value, so an
// operator sees which knob a refused image hit.
import { RegopsError } from "../errors.js";
import { scanLimitsSchema, type ScanLimitsConfig } from "./schema.js";

export type ScanLimits = ScanLimitsConfig;
export type ScanLimitKey = keyof ScanLimits;

export const DEFAULT_SCAN_LIMITS: ScanLimits = scanLimitsSchema.parse({});

const MIB = 1024 * 1024;

/** A `…MiB` limit in bytes. */
export function limitBytes(limits: ScanLimits, key: ScanLimitKey & `${string}MiB`): number {
  return Math.floor(limits[key] * MIB);
}

function shown(key: ScanLimitKey, value: number): string {
  if (key.endsWith("MiB")) return `${value} MiB`;
  if (key === "scanSeconds") return `${value} s`;
  return String(value);
}

/** `image exceeds scanner.limits.keptMiB (64 MiB)`: `what` says what went over. */
export function scanLimitError(what: string, key: ScanLimitKey, limits: ScanLimits): RegopsError {
  return new RegopsError("SCAN_LIMIT", `${what} exceeds scanner.limits.${key} (${shown(key, limits[key])})`);
}

