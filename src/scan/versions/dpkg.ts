// Debian/Ubuntu version ordering: a port of dpkg's parseversion() and verrevcmp()
// (lib/dpkg/parsehelp.c, lib/dpkg/version.c). `dpkg --compare-versions` is the oracle the
// vectors were generated with, so this follows the C code rather than Debian Policy prose.
import { compareDigits, sign, type Ordering } from "./shared.js";

interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

/** Splits `[epoch:]upstream[-revision]`: epoch before the FIRST colon, revision after the LAST hyphen. */
function parse(version: string): DpkgVersion {
  const v = version.trim();
  const colon = v.indexOf(":");
  const epoch = colon >= 0 ? v.slice(0, colon) : "0";
  const rest = colon >= 0 ? v.slice(colon + 1) : v;
  const hyphen = rest.lastIndexOf("-");
  // A missing revision is "" (dpkg stores NULL and verrevcmp treats it as ""), which verrevcmp
  // ranks equal to "0" because leading zeros of a digit run are skipped: 1.0 = 1.0-0.
  return hyphen >= 0
    ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) }
    : { epoch, upstream: rest, revision: "" };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's order(): `~` < end of string < letters (by ASCII) < everything else. Digits never reach here. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

/** dpkg's verrevcmp(): alternate non-digit runs (char by char via order()) and digit runs (numerically). */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  // charCodeAt past the end is NaN, which plays the part of C's terminating NUL.
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    let firstDiff = 0;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    // The longer digit run (leading zeros already skipped) is the larger number.
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Orders two Debian versions the way `dpkg --compare-versions` does. */
export function compare(a: string, b: string): Ordering {
  const va = parse(a);
  const vb = parse(b);
  // dpkg parses the epoch with strtol; comparing digit strings avoids a precision ceiling.
  const byEpoch = compareDigits(va.epoch, vb.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byUpstream = verrevcmp(va.upstream, vb.upstream);
  if (byUpstream !== 0) return sign(byUpstream);
  return sign(verrevcmp(va.revision, vb.revision));
}

const UPSTREAM_CHARS = /^[A-Za-z0-9.+~:-]*$/;
const REVISION_CHARS = /^[A-Za-z0-9.+~]*$/;

/**
 * Whether dpkg's parseversion() accepts `version` without error or warning: numeric epoch,
 * non-empty upstream starting with a digit, non-empty revision when a hyphen is present.
 */
export function valid(version: string): boolean {
  const v = version.trim();
  if (v === "" || /\s/.test(v)) return false;
  const colon = v.indexOf(":");
  if (colon >= 0 && !/^\d+$/.test(v.slice(0, colon))) return false;
  const { upstream, revision } = parse(v);
  if (v.slice(colon + 1).includes("-") && revision === "") return false;
  if (upstream === "" || !isDigit(upstream.charCodeAt(0))) return false;
  return UPSTREAM_CHARS.test(upstream) && REVISION_CHARS.test(revision);
}
