// Alpine version ordering as apk-tools 3 does it: a port of apk-tools master src/version.c
// (token_first, token_next, token_cmp, apk_version_compare_fuzzy). Differences from 2.x
// (apk.ts): a dot component with a leading zero compares as a string (8.2.0 < 8.2.001),
// `~<hex>` commit hashes are tokens, and any malformed token is TOKEN_INVALID, which ranks
// below everything (1-r-0 < 1-r0, 1 > 1-ruff).
import { compareStrings, type Ordering } from "./shared.js";

const enum T {
  InitialDigit = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  CommitHash = 5,
  RevisionNo = 6,
  End = 7,
  Invalid = 8,
}

/** Suffix ranks; NONE (5) is the pivot between pre-release and post-release suffixes. */
const SUFFIXES = new Map([
  ["alpha", 1],
  ["beta", 2],
  ["pre", 3],
  ["rc", 4],
  ["cvs", 6],
  ["svn", 7],
  ["git", 8],
  ["hg", 9],
  ["p", 10],
]);
const SUFFIX_NONE = 5;

interface Token {
  type: T;
  /** The token's text: digits, the letter, the suffix word or the hash. */
  value: string;
  suffix: number;
}

/** A cursor producing apk-tools 3 tokens from one version string. */
class Tokens {
  private pos = 0;
  readonly t: Token = { type: T.InitialDigit, value: "", suffix: 0 };
  constructor(private readonly s: string) {
    this.digits(T.InitialDigit);
  }

  private span(re: RegExp): string {
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    const text = m ? m[0] : "";
    this.pos += text.length;
    return text;
  }

  /** token_parse_digits(): an empty run makes the token invalid. */
  private digits(type: T): void {
    this.t.type = type;
    this.t.value = this.span(/\d*/y);
    if (this.t.value === "") this.t.type = T.Invalid;
  }

  /** token_next(): the next token's type is decided by its first character and the previous type. */
  next(): void {
    const t = this.t;
    const c = this.s[this.pos];
    if (c === undefined) {
      t.type = T.End;
    } else if (c >= "a" && c <= "z") {
      if (t.type > T.Digit) return this.invalid();
      t.value = c;
      t.type = T.Letter;
      this.pos++;
    } else if (c === "." || (c >= "0" && c <= "9")) {
      if (c === ".") {
        if (t.type > T.Digit) return this.invalid();
        this.pos++;
      }
      if (t.type === T.InitialDigit || t.type === T.Digit) this.digits(T.Digit);
      else if (t.type === T.Suffix) this.digits(T.SuffixNo);
      else this.invalid();
    } else if (c === "_") {
      if (t.type > T.SuffixNo) return this.invalid();
      this.pos++;
      t.value = this.span(/[a-z]*/y);
      const suffix = SUFFIXES.get(t.value);
      if (suffix === undefined) return this.invalid();
      t.suffix = suffix;
      t.type = T.Suffix;
    } else if (c === "~") {
      if (t.type >= T.CommitHash) return this.invalid();
      this.pos++;
      t.value = this.span(/[0-9a-f]*/y);
      if (t.value === "") return this.invalid();
      t.type = T.CommitHash;
    } else if (c === "-") {
      if (t.type >= T.RevisionNo || this.s[this.pos + 1] !== "r") return this.invalid();
      this.pos += 2;
      this.digits(T.RevisionNo);
    } else {
      this.invalid();
    }
  }

  private invalid(): void {
    this.t.type = T.Invalid;
  }
}

/** token_cmp(): numbers numerically, except a digit field with a leading zero compares as text. */
function tokenCompare(a: Token, b: Token): Ordering {
  switch (a.type) {
    case T.Digit:
      if (a.value.startsWith("0") || b.value.startsWith("0")) return compareStrings(a.value, b.value);
    // falls through
    case T.InitialDigit:
    case T.SuffixNo:
    case T.RevisionNo: {
      // apk pulls these into a uint64; BigInt is exact for the lengths that fit and beyond.
      const x = BigInt(a.value);
      const y = BigInt(b.value);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case T.Letter:
      return compareStrings(a.value, b.value);
    case T.Suffix:
      return a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0;
    default:
      // Commit hashes carry no order of their own; apk sorts them as text.
      return compareStrings(a.value, b.value);
  }
}

/** apk_version_compare_fuzzy(): with `fuzzy`, `a` equals `b` when `b` is a token prefix of `a`. */
function compareFuzzy(a: string, b: string, fuzzy: boolean): Ordering {
  const x = new Tokens(a);
  const y = new Tokens(b);
  while (x.t.type === y.t.type && x.t.type < T.End) {
    const r = tokenCompare(x.t, y.t);
    if (r !== 0) return r;
    x.next();
    y.next();
  }
  if (x.t.type === y.t.type) return 0;
  if (y.t.type === T.End && fuzzy) return 0;
  // Equal so far: the side that goes on is newer unless it goes on with a pre-release suffix;
  // otherwise the side whose next token type ranks higher (END, then INVALID) is older.
  if (x.t.type === T.Suffix && x.t.suffix < SUFFIX_NONE) return -1;
  if (y.t.type === T.Suffix && y.t.suffix < SUFFIX_NONE) return 1;
  return x.t.type > y.t.type ? -1 : 1;
}

/** Orders two Alpine versions the way apk-tools 3 does (`apk version -t a b`). */
export function compare(a: string, b: string): Ordering {
  return compareFuzzy(a, b, false);
}

/** apk's `~` dependency operator: `a` matches `b` when b's tokens are a prefix of a's (3.6.9 ~ 3.6). */
export function fuzzyMatches(a: string, b: string): boolean {
  return compareFuzzy(a, b, true) === 0;
}

/** apk_version_validate() of apk-tools 3: stricter than 2.x (no `1a1`, `0.1-r`, unknown suffixes). */
export function valid(version: string): boolean {
  const tokens = new Tokens(version);
  while (tokens.t.type < T.End) tokens.next();
  return tokens.t.type === T.End;
}
