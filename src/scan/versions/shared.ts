// Small helpers shared by the per-ecosystem comparators.

/** The result of every comparator: negative, zero or positive, normalised to -1, 0, 1. */
export type Ordering = -1 | 0 | 1;

export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/**
 * Compares two runs of ASCII digits as unbounded integers (leading zeros ignored), so numbers
 * past 2^53 — dates with times, 30-digit "semver-like" components — still order exactly.
 */
export function compareDigits(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Plain code-unit order, like C's strcmp on ASCII. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}
