// One version comparator per OSV ecosystem, behind one function. Ecosystem strings follow
// osv-schema's ecosystems list: `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`, `Red Hat:…`.
import * as apk from "./apk.js";
import * as apk3 from "./apk3.js";
import * as dpkg from "./dpkg.js";
import * as pep440 from "./pep440.js";
import * as rpm from "./rpm.js";
import * as semver from "./semver.js";
import type { Ordering } from "./shared.js";

export type { Ordering } from "./shared.js";
export type Scheme = "dpkg" | "apk" | "apk3" | "rpm" | "semver" | "pep440";

const COMPARATORS: Record<Scheme, (a: string, b: string) => Ordering> = {
  dpkg: dpkg.compare,
  apk: apk.compare,
  // apk-tools 3's order; never picked by ecosystem, only for an image whose apk is 3.x
  apk3: apk3.compare,
  rpm: rpm.compare,
  semver: semver.compare,
  pep440: pep440.compare,
};

// Exact names, and names that take a `:<release>` suffix (or, for the RPM family, any suffix).
// A Map, not an object literal, so `constructor` or `toString` never match a prototype key.
const EXACT = new Map<string, Scheme>([
  ["npm", "semver"],
  ["Go", "semver"],
  ["PyPI", "pep440"],
]);
const PREFIXED: [RegExp, Scheme][] = [
  [/^(Debian|Ubuntu)(:.+)?$/, "dpkg"],
  [/^Alpine(:.+)?$/, "apk"],
  [/^(Red Hat|Rocky Linux|AlmaLinux|SUSE|openSUSE|Fedora)/, "rpm"],
];

/** The comparison scheme for an OSV ecosystem string, or undefined when none is known. */
export function schemeFor(ecosystem: string): Scheme | undefined {
  return EXACT.get(ecosystem) ?? PREFIXED.find(([re]) => re.test(ecosystem))?.[1];
}

/** Compares two versions by a named scheme (an image's own package manager's order). */
export function compareByScheme(scheme: Scheme, a: string, b: string): number {
  return COMPARATORS[scheme](a, b);
}

/**
 * Compares two versions in an OSV ecosystem: negative when a < b, 0 when equal, positive when
 * a > b. Throws for an ecosystem without a known comparator rather than guessing an order.
 * (A plain Error: an unknown ecosystem here is a caller bug, not something a user can fix.)
 */
export function compareVersions(ecosystem: string, a: string, b: string): number {
  const scheme = schemeFor(ecosystem);
  if (scheme === undefined) throw new Error(`failed to compare versions: no comparator for ecosystem "${ecosystem}"`);
  return COMPARATORS[scheme](a, b);
}
