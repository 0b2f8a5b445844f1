// PEP 440 ordering for PyPI. @renovatebot/pep440 handles valid versions; strings that are not
// PEP 440 get the rule of the old `packaging.version.LegacyVersion` (packaging < 22), which
// osv.dev's PyPI vectors were generated with: every legacy version sorts before every valid one.
import * as pep440 from "@renovatebot/pep440";
import { compareStrings, type Ordering } from "./shared.js";

/** Whether `version` is a valid PEP 440 version (surrounding whitespace allowed, as in packaging). */
export function valid(version: string): boolean {
  return pep440.valid(version.trim()) !== null;
}

// packaging's _legacy_version_component_re and _legacy_version_replacement_map.
const LEGACY_COMPONENT = /(\d+|[a-z]+|\.|-)/;
const LEGACY_REPLACEMENTS: Record<string, string> = {
  pre: "c",
  preview: "c",
  "-": "final-",
  rc: "c",
  dev: "@",
};

/**
 * packaging's _legacy_cmpkey() (the setuptools scheme): numbers zero-padded to 8 digits,
 * words prefixed with `*`, a trailing `*final`; trailing zeros of each numeric series and a
 * `-` before a pre-release tag are dropped. Its epoch of -1 is what puts legacy versions first.
 */
function legacyKey(version: string): string[] {
  const parts: string[] = [];
  // String.split with a capturing group keeps the separators, like Python's re.split.
  const pieces = version.toLowerCase().split(LEGACY_COMPONENT);
  const mapped = pieces.map((p) => LEGACY_REPLACEMENTS[p] ?? p).filter((p) => p !== "" && p !== ".");
  for (const raw of [...mapped.map((p) => (/^\d/.test(p) ? p.padStart(8, "0") : `*${p}`)), "*final"]) {
    if (raw.startsWith("*")) {
      if (raw < "*final") {
        while (parts.at(-1) === "*final-") parts.pop();
      }
      while (parts.at(-1) === "00000000") parts.pop();
    }
    parts.push(raw);
  }
  return parts;
}

/** Python tuple comparison of two string tuples (code-point order per element, then length). */
function compareKeys(a: string[], b: string[]): Ordering {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareStrings(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Orders two PyPI versions: PEP 440 for valid ones, LegacyVersion rules for the rest. */
export function compare(a: string, b: string): Ordering {
  const x = a.trim();
  const y = b.trim();
  const xValid = valid(x);
  const yValid = valid(y);
  if (xValid && yValid) return pep440.compare(x, y) as Ordering;
  if (xValid !== yValid) return xValid ? 1 : -1;
  return compareKeys(legacyKey(x), legacyKey(y));
}
