// SemVer 2.0 ordering for npm and Go. npm's `semver` package does the work for real SemVer;
// a small comparator of the same precedence rules covers the "semver-like" strings it rejects
// (more than three components, numbers beyond 2^53), which appear in OSV data.
import semver from "semver";
import { compareDigits, compareStrings, type Ordering } from "./shared.js";

/** Drops the `v` Go puts on every version (and npm tolerates); Go pseudo-versions then parse as pre-releases. */
function stripV(version: string): string {
  const v = version.trim();
  return v.startsWith("v") || v.startsWith("V") ? v.slice(1) : v;
}

/** Whether `version` (after an optional leading `v`) is strict SemVer 2.0 as npm `semver` parses it. */
export function valid(version: string): boolean {
  return semver.parse(stripV(version)) !== null;
}

interface SemverLike {
  core: string[];
  pre: string[];
}

/** `N(.N)*` core with any number of components, then `-pre`, then `+build` (ignored). */
function parseLoose(version: string): SemverLike {
  const v = stripV(version);
  const plus = v.indexOf("+");
  const noBuild = plus >= 0 ? v.slice(0, plus) : v;
  const m = /^(\d+(?:\.\d+)*)(.*)$/s.exec(noBuild);
  // No numeric core at all: rank below every version, ordered by the text as a pre-release.
  if (!m) return { core: [], pre: noBuild === "" ? [] : [noBuild] };
  const rest = m[2]!.startsWith("-") ? m[2]!.slice(1) : m[2]!;
  return { core: m[1]!.split("."), pre: rest === "" ? [] : rest.split(".") };
}

const NUMERIC = /^\d+$/;

/** SemVer §11 for one pre-release identifier: numbers numerically and below alphanumerics. */
function compareIdentifier(a: string, b: string): Ordering {
  const an = NUMERIC.test(a);
  const bn = NUMERIC.test(b);
  if (an && bn) return compareDigits(a, b);
  if (an !== bn) return an ? -1 : 1;
  return compareStrings(a, b);
}

/**
 * SemVer 2.0 precedence generalised to any number of core components (missing ones are 0) and
 * unbounded integers. It agrees with `semver.compare` on every valid SemVer string.
 */
export function compareLoose(a: string, b: string): Ordering {
  const x = parseLoose(a);
  const y = parseLoose(b);
  for (let i = 0; i < Math.max(x.core.length, y.core.length); i++) {
    const c = compareDigits(x.core[i] ?? "0", y.core[i] ?? "0");
    if (c !== 0) return c;
  }
  // A pre-release ranks below the release itself.
  if (x.pre.length === 0 || y.pre.length === 0) {
    return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const c = compareIdentifier(x.pre[i]!, y.pre[i]!);
    if (c !== 0) return c;
  }
  return x.pre.length === y.pre.length ? 0 : x.pre.length < y.pre.length ? -1 : 1;
}

/** Orders two npm or Go versions by SemVer 2.0 precedence; build metadata is ignored. */
export function compare(a: string, b: string): Ordering {
  const x = semver.parse(stripV(a));
  const y = semver.parse(stripV(b));
  if (x && y) return x.compare(y);
  return compareLoose(a, b);
}
