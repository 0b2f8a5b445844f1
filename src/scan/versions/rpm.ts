// RPM version ordering: a port of rpm's rpmvercmp() (rpmio/rpmvercmp.c) plus the EVR split of
// rpm's rpmverParse()/parseEVR() (lib/rpmver.c).
import { sign, type Ordering } from "./shared.js";

// rpm uses its own locale-independent risdigit/risalpha: ASCII only. Any other character,
// including every byte of a UTF-8 sequence, is a separator.
const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isAlpha = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);

/**
 * rpmvercmp(): compare maximal alphabetic or numeric segments, skipping separators.
 * `~` sorts before everything, even the end of the string (1.0~rc1 < 1.0); `^` sorts after
 * the end but before any further segment (1.0 < 1.0^git1 < 1.0.1). A numeric segment is
 * newer than an alphabetic one; numbers compare as integers of any length.
 */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  // a[i] past the end is undefined; `at()` turns it into "" so it plays C's NUL.
  const at = (s: string, k: number): string => s[k] ?? "";
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== "~" && a[i] !== "^") i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== "~" && b[j] !== "^") j++;
    const x = at(a, i);
    const y = at(b, j);

    if (x === "~" || y === "~") {
      if (x !== "~") return 1;
      if (y !== "~") return -1;
      i++;
      j++;
      continue;
    }
    if (x === "^" || y === "^") {
      // Like `~`, except that a string which has ended (the base version) is older.
      if (x === "") return -1;
      if (y === "") return 1;
      if (x !== "^") return 1;
      if (y !== "^") return -1;
      i++;
      j++;
      continue;
    }
    if (x === "" || y === "") break;

    const isNum = isDigit(x);
    const inSegment = isNum ? isDigit : isAlpha;
    let ie = i;
    let je = j;
    while (ie < a.length && inSegment(a[ie]!)) ie++;
    while (je < b.length && inSegment(b[je]!)) je++;
    // Different segment types (b's segment is empty): numbers are newer than letters.
    if (je === j) return isNum ? 1 : -1;

    let sa = a.slice(i, ie);
    let sb = b.slice(j, je);
    if (isNum) {
      sa = sa.replace(/^0+/, "");
      sb = sb.replace(/^0+/, "");
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ie;
    j = je;
  }
  // Segments all equal but separators differed: whichever string has characters left wins.
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

interface Evr {
  epoch: string;
  version: string;
  release: string | undefined;
}

/**
 * rpm's parseEVR(): the epoch is a run of leading digits ended by `:` (an empty one is "0"),
 * so `1.m+e2:1` has no epoch; the release follows the LAST `-`.
 */
export function parseEvr(evr: string): Evr {
  const m = /^(\d*):/.exec(evr);
  const epoch = m ? m[1] || "0" : "0";
  const vr = m ? evr.slice(m[0].length) : evr;
  const hyphen = vr.lastIndexOf("-");
  if (hyphen < 0) return { epoch, version: vr, release: undefined };
  return { epoch, version: vr.slice(0, hyphen), release: vr.slice(hyphen + 1) };
}

/**
 * Orders two `[epoch:]version[-release]` strings: epoch, then version, then release, each with
 * rpmvercmp. A missing epoch is 0.
 *
 * A missing release sorts before any present one, even an empty one (`1 < 1-`, `1 < 1-0`).
 * rpm's own rpmverCmp() instead skips the release when either side lacks it — right for
 * dependency ranges like `>= 1.0`, but not a total order (1 = 1-1 and 1 = 1-2, yet 1-1 < 1-2).
 * Installed packages and advisories always carry a release, so this only orders odd input,
 * and it matches osv-scalibr's vectors (the ones osv.dev's matcher follows).
 */
export function compare(a: string, b: string): Ordering {
  const x = parseEvr(a.trim());
  const y = parseEvr(b.trim());
  const byEpoch = rpmvercmp(x.epoch, y.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0) return byVersion;
  if (x.release === undefined || y.release === undefined) {
    return sign((x.release === undefined ? 0 : 1) - (y.release === undefined ? 0 : 1));
  }
  return rpmvercmp(x.release, y.release);
}
