// OSV range evaluation (osv-schema 1.7.5, "Evaluation"): a version is affected if it equals
// an entry of `versions` or lies in any SEMVER/ECOSYSTEM range. GIT ranges need the
// repository graph and are ignored for image scans.
import type { OsvAffected, OsvEvent, OsvRange } from "./record.js";

export type Compare = (a: string, b: string) => number;

export interface Verdict {
  affected: boolean;
  /** The `fixed` event that closes the interval holding the version, if there is one. */
  fixed?: string;
}

type Kind = "introduced" | "fixed" | "last_affected" | "limit";
interface Event {
  kind: Kind;
  version: string;
}

const KINDS: readonly Kind[] = ["introduced", "last_affected", "fixed", "limit"];

function flatten(events: readonly OsvEvent[]): Event[] {
  const out: Event[] = [];
  for (const e of events) {
    for (const kind of KINDS) {
      const version = e[kind];
      if (typeof version === "string") out.push({ kind, version });
    }
  }
  return out;
}

/** "0" introduced sorts before everything, "*" limit after everything. */
function compareEvents(a: Event, b: Event, cmp: Compare): number {
  const lowest = (e: Event) => e.kind === "introduced" && e.version === "0";
  const highest = (e: Event) => e.kind === "limit" && e.version === "*";
  if (lowest(a) || highest(b)) return lowest(b) || highest(a) ? 0 : -1;
  if (lowest(b) || highest(a)) return 1;
  return cmp(a.version, b.version) || KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind);
}

/**
 * One range. A comparator that throws (a version its ecosystem cannot parse) makes the
 * range unevaluable, which counts as "not in this range": a scanner cannot claim a match
 * it cannot order.
 */
export function evaluateRange(range: OsvRange, version: string, cmp: Compare): Verdict {
  try {
    const events = flatten(range.events);
    const limits = events.filter((e) => e.kind === "limit");
    const below = (l: Event) => l.version === "*" || cmp(version, l.version) < 0;
    if (limits.length > 0 && !limits.some(below)) return { affected: false };
    const sorted = [...events].sort((a, b) => compareEvents(a, b, cmp));
    let affected = false;
    for (const e of sorted) {
      if (e.kind === "introduced") {
        if (e.version === "0" || cmp(version, e.version) >= 0) affected = true;
      } else if (e.kind === "fixed") {
        if (cmp(version, e.version) >= 0) affected = false;
      } else if (e.kind === "last_affected") {
        if (cmp(version, e.version) > 0) affected = false;
      }
    }
    if (!affected) return { affected };
    // The interval holding the version ends at the first fixed/last_affected above it.
    const end = sorted.find(
      (e) => (e.kind === "fixed" && cmp(version, e.version) < 0) || (e.kind === "last_affected" && cmp(version, e.version) <= 0),
    );
    return end?.kind === "fixed" ? { affected, fixed: end.version } : { affected };
  } catch {
    return { affected: false };
  }
}

/** Picks the comparator for a range type; undefined skips the range (GIT, unknown types). */
export type ComparatorFor = (rangeType: string) => Compare | undefined;

/** One `affected[]` entry: `versions` equality OR any evaluable range. */
export function evaluateAffected(entry: OsvAffected, version: string, comparatorFor: ComparatorFor): Verdict {
  let verdict: Verdict = { affected: false };
  for (const range of entry.ranges ?? []) {
    const cmp = comparatorFor(range.type);
    if (!cmp) continue;
    const v = evaluateRange(range, version, cmp);
    if (v.affected && (!verdict.affected || (verdict.fixed === undefined && v.fixed !== undefined))) verdict = v;
  }
  if (!verdict.affected && (entry.versions ?? []).includes(version)) verdict = { affected: true };
  return verdict;
}
