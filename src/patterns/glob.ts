// Tag globs (watches, retention rules, repository globs): `v1.*`, `release-?`, `{latest,stable}`, `[0-9]*`. Tag names
// have no "/", so a glob here is one path segment: `*` matches any run of characters
// (including none), `?` one character, `[a-z]` / `[!a-z]` one character of (not of) a class,
// `{a,b}` one of the alternatives (which may hold globs and nest), `\x` the character x.
// A malformed glob is an error that says why.
//
// A glob is translated to RE2 syntax and matched by RE2 (src/patterns/re2.ts), not by a JS
// RegExp: `*a*a*a*a*a*a*a*a!` as a RegExp backtracks for minutes on a 100-character tag, while
// RE2's automaton takes time linear in the tag. A two-pointer wildcard matcher would be linear
// too, but knows nothing of `{a,b}` alternatives, which RE2 handles as alternation.
import { z } from "zod";
import { compileRe2, MAX_PATTERN_LENGTH, PatternCache, PatternError, quoteRe2, type TagPattern } from "./re2.js";

export class GlobError extends PatternError {
  constructor(message: string) {
    super(message);
    this.name = "GlobError";
  }
}

// Globs by their own text: translating one again for every repository or tag costs more than matching it.
const compiled = new PatternCache();

/** Compiles a tag glob to a full-match pattern; throws GlobError naming what is wrong. */
export function compileGlob(glob: string): TagPattern {
  return compiled.get(glob, () => translate(glob));
}

function translate(glob: string): TagPattern {
  if (glob === "") throw new GlobError("is empty");
  if (glob.length > MAX_PATTERN_LENGTH) throw new GlobError(`is longer than ${MAX_PATTERN_LENGTH} characters`);
  let out = "";
  let depth = 0; // open `{` groups
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    switch (c) {
      case "\\": {
        const next = glob[i + 1];
        if (next === undefined) throw new GlobError("ends with a lone '\\'");
        out += quoteRe2(next);
        i++;
        break;
      }
      case "*":
        // `**` is the same as `*`: tags have no segments.
        while (glob[i + 1] === "*") i++;
        out += ".*";
        break;
      case "?":
        out += ".";
        break;
      case "[": {
        const close = classEnd(glob, i);
        if (close === -1) throw new GlobError(`has an unclosed '[' at position ${i + 1}`);
        let body = glob.slice(i + 1, close);
        let negate = false;
        if (body.startsWith("!") || body.startsWith("^")) {
          negate = true;
          body = body.slice(1);
        }
        if (body === "") throw new GlobError(`has an empty character class at position ${i + 1}`);
        out += `[${negate ? "^" : ""}${classBody(body, i)}]`;
        i = close;
        break;
      }
      case "{":
        depth++;
        out += "(?:";
        break;
      case "}":
        if (depth === 0) throw new GlobError(`has a '}' without '{' at position ${i + 1}`);
        depth--;
        out += ")";
        break;
      case ",":
        out += depth > 0 ? "|" : ",";
        break;
      default:
        out += quoteRe2(c);
    }
  }
  if (depth > 0) throw new GlobError("has an unclosed '{'");
  try {
    return compileRe2(out);
  } catch (err) {
    throw err instanceof PatternError ? new GlobError(err.message) : err;
  }
}

/** Index of the `]` closing the class opened at `open` (a `]` right after `[` or `[!` is literal), or -1. */
function classEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === "!" || glob[i] === "^") i++;
  if (glob[i] === "]") i++;
  for (; i < glob.length; i++) {
    if (glob[i] === "\\") i++;
    else if (glob[i] === "]") return i;
  }
  return -1;
}

function classBody(body: string, at: number): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    let c = body[i]!;
    if (c === "\\" && i + 1 < body.length) c = body[++i]!;
    if (body[i + 1] === "-" && i + 2 < body.length) {
      let end = body[i + 2]!;
      let skip = 2;
      if (end === "\\" && i + 3 < body.length) {
        end = body[i + 3]!;
        skip = 3;
      }
      if (end < c) throw new GlobError(`has a reversed range '${c}-${end}' in the class at position ${at + 1}`);
      out += `${escapeClass(c)}-${escapeClass(end)}`;
      i += skip;
    } else {
      out += escapeClass(c);
    }
  }
  return out;
}

/** One character inside an RE2 class, by its code point: no character needs its own escape rule. */
function escapeClass(c: string): string {
  return `\\x{${c.codePointAt(0)!.toString(16)}}`;
}

/** A matcher for a tag glob; no glob matches every tag. */
export function tagMatcher(glob: string | undefined): (tag: string) => boolean {
  if (glob === undefined) return () => true;
  const pattern = compileGlob(glob);
  return (tag) => pattern.test(tag);
}

/** A glob as users write it (watch `tags`, retention `repositories`): refused at validation when it cannot run on RE2. */
export const globSchema = z
  .string()
  .max(MAX_PATTERN_LENGTH)
  .superRefine((v, ctx) => {
    try {
      compileGlob(v);
    } catch (err) {
      if (!(err instanceof GlobError)) throw err;
      ctx.addIssue({ code: "custom", message: `glob ${err.message}` });
    }
  });
