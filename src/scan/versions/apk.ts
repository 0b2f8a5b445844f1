// Alpine version ordering: a port of apk-tools 2.x src/version.c (next_token, get_token,
// apk_version_compare_blob). Alpine releases up to at least 3.20 ship apk-tools 2.x; apk-tools 3
// changed a few rules (see compare's comment), which this module does not implement.
import { sign, type Ordering } from "./shared.js";

/** Token types in walk order; a later type may only follow an earlier one (with three exceptions). */
const enum T {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  RevisionNo = 5,
  End = 6,
}

const PRE_SUFFIXES = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES = ["cvs", "svn", "git", "hg", "p"];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isLower = (c: string | undefined): boolean => c !== undefined && c >= "a" && c <= "z";

/** A cursor over one version string; `type` is the kind of the token that starts at `pos`. */
class Walker {
  pos = 0;
  type: T = T.Digit;
  constructor(private readonly s: string) {}

  private get left(): number {
    return this.s.length - this.pos;
  }

  /** next_token(): classify what follows the token just read (consuming its separator). */
  private nextToken(): void {
    const c = this.s[this.pos];
    let n: T = T.Invalid;
    if (this.left === 0) n = T.End;
    else if ((this.type === T.Digit || this.type === T.DigitOrZero) && isLower(c)) n = T.Letter;
    else if (this.type === T.Letter && isDigit(c)) n = T.Digit;
    else if (this.type === T.Suffix && isDigit(c)) n = T.SuffixNo;
    else {
      if (c === ".") n = T.DigitOrZero;
      else if (c === "_") n = T.Suffix;
      else if (c === "-" && this.s[this.pos + 1] === "r") {
        n = T.RevisionNo;
        this.pos++;
      }
      this.pos++;
    }
    // Going back to an earlier token type is invalid except: another dot component after a
    // digit, another suffix after a suffix number, digits after a letter.
    if (
      n < this.type &&
      !(
        (n === T.DigitOrZero && this.type === T.Digit) ||
        (n === T.Suffix && this.type === T.SuffixNo) ||
        (n === T.Digit && this.type === T.Letter)
      )
    ) {
      n = T.Invalid;
    }
    this.type = n;
  }

  /** get_token(): read the token of type `this.type` and return its value. */
  next(): bigint {
    if (this.left <= 0) {
      this.type = T.End;
      return 0n;
    }
    const s = this.s;
    let i = this.pos;
    let v = 0n;
    let nt: T = T.Invalid;
    switch (this.type) {
      case T.DigitOrZero:
        // A dot component with leading zeros: k zeros give -(k-1) and the rest is read as a
        // plain number next, so 1.02 < 1.2 and 1.0 < 1.0.0.
        if (s[i] === "0") {
          while (i + 1 < s.length && s[i + 1] === "0") i++;
          v = BigInt(this.pos - i);
          nt = T.Digit;
          break;
        }
      // falls through
      case T.Digit:
      case T.SuffixNo:
      case T.RevisionNo: {
        // The C code accumulates into a machine integer; BigInt keeps long date-like runs exact.
        const start = i;
        while (isDigit(s[i])) i++;
        v = i > start ? BigInt(s.slice(start, i)) : 0n;
        break;
      }
      case T.Letter:
        v = BigInt(s.charCodeAt(i));
        i++;
        break;
      case T.Suffix: {
        const rest = s.slice(i);
        const pre = PRE_SUFFIXES.findIndex((p) => rest.startsWith(p));
        if (pre >= 0) {
          // Pre-release suffixes are negative, so they sort below "no suffix" (0).
          v = BigInt(pre - PRE_SUFFIXES.length);
          i += PRE_SUFFIXES[pre]!.length;
          break;
        }
        const post = POST_SUFFIXES.findIndex((p) => rest.startsWith(p));
        if (post >= 0) {
          v = BigInt(post);
          i += POST_SUFFIXES[post]!.length;
          break;
        }
        this.type = T.Invalid;
        return -1n;
      }
      default:
        this.type = T.Invalid;
        return -1n;
    }
    this.pos = i;
    if (this.left === 0) this.type = T.End;
    else if (nt !== T.Invalid) this.type = nt;
    else this.nextToken();
    return v;
  }
}

/**
 * Orders two Alpine package versions the way apk-tools 2.x does (`apk version -t a b`).
 *
 * Not apk-tools 3 semantics: there, leading-zero components compare as strings (8.2.0 <
 * 8.2.001), `~<hash>` suffixes are understood, and invalid versions are rejected earlier.
 */
export function compare(a: string, b: string): Ordering {
  const x = new Walker(a);
  const y = new Walker(b);
  let av = 0n;
  let bv = 0n;
  while (x.type === y.type && x.type !== T.End && x.type !== T.Invalid && av === bv) {
    av = x.next();
    bv = y.next();
  }
  if (av !== bv) return av < bv ? -1 : 1;
  // Both ended, or both hit something invalid at the same place.
  if (x.type === y.type) return 0;
  // Equal so far and one side has more: the longer one is newer, unless what follows is a
  // pre-release suffix (1.1_alpha1 < 1.1), or its next token type ranks lower (1.0 < 1.0-r1,
  // 1.0a < 1.0.1).
  if (x.type === T.Suffix && peekSuffix(a, x) < 0n) return -1;
  if (y.type === T.Suffix && peekSuffix(b, y) < 0n) return 1;
  return sign(y.type - x.type);
}

/** The value of the suffix token at the walker's position, without moving it. */
function peekSuffix(s: string, w: Walker): bigint {
  const probe = new Walker(s);
  probe.pos = w.pos;
  probe.type = T.Suffix;
  return probe.next();
}

/** apk_version_validate(): the whole string tokenises without hitting an invalid token. */
export function valid(version: string): boolean {
  const w = new Walker(version);
  while (w.type !== T.End && w.type !== T.Invalid) w.next();
  return w.type === T.End;
}
