// Patterns written by users (retention `keepTags`, `tagPolicy.immutable`, watch `tags` and
// retention `repositories` globs) run on RE2 through re2js, a pure-JS port of RE2: its automata
// match in time linear in the text, where the JS RegExp engine backtracks (`(a+)+b` on 30
// characters blocks the event loop for seconds). RE2 has no backreferences or lookaround, so a
// pattern using them is refused when it is validated, not when it runs.
//
// Linear in the text is not yet small: the cost of one step grows with the compiled program, and
// counted repetitions inflate it (`(?:[a-z]{0,20}){0,20}` is about 820 instructions). Hence two
// limits: the pattern's length, and the size of its compiled program. They are fixed here, not in
// the config file, because the zod schemas that apply them are static and shared by the config
// file, REST, GraphQL and openapi.yaml.
import { RE2JS, RE2JSException } from "re2js";
import { estimateProgram } from "./program-estimate.js";

/** Longest pattern (regex or glob) accepted, in characters. Tags are at most 128. */
export const MAX_PATTERN_LENGTH = 256;

/**
 * Largest compiled program accepted, in RE2 instructions. Measured with re2js 2.10 on Node 20:
 * the worst programs of this size (nested counted repetitions) take about 20 ms over 1,000
 * tags of 128 characters; plain patterns of 256 characters stay well under it.
 */
export const MAX_PATTERN_PROGRAM = 300;

/** A pattern that cannot be compiled to a bounded RE2 program; the message says why. */
export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatternError";
  }
}

/** A compiled pattern: `test` is a full match (anchored at both ends), in linear time. */
export interface TagPattern {
  readonly source: string;
  test(text: string): boolean;
}

/**
 * Compiled patterns by their text. Compiling costs far more than matching, and the same few
 * patterns are checked again and again (each tag write, each watch tick, each repository), so
 * compiled ones are kept, at most `size` of them (the oldest goes first).
 */
export class PatternCache {
  private readonly entries = new Map<string, TagPattern>();
  constructor(private readonly size = 500) {}

  get(text: string, compile: () => TagPattern): TagPattern {
    const hit = this.entries.get(text);
    if (hit) return hit;
    const pattern = compile();
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(text, pattern);
    return pattern;
  }
}

const cache = new PatternCache();

/** Compiles a user's regular expression (RE2 syntax) into a full-match pattern; throws PatternError naming what is wrong. */
export function compileRegex(source: string): TagPattern {
  if (source.length > MAX_PATTERN_LENGTH) throw new PatternError(`is longer than ${MAX_PATTERN_LENGTH} characters`);
  return compileRe2(source);
}

/** Compiles RE2 syntax (a user's, or one made from a glob) with the program-size limit. */
export function compileRe2(source: string): TagPattern {
  return cache.get(source, () => compileUncached(source));
}

function compileUncached(source: string): TagPattern {
  // Compiling expands counted repetitions: a pattern surely too large is refused before it costs
  // that. The estimate is within a few instructions of the real size; a quarter's margin covers it.
  const estimate = estimateProgram(source);
  if (estimate > MAX_PATTERN_PROGRAM * 1.25) {
    throw new PatternError(`compiles to about ${estimate} RE2 instructions, more than ${MAX_PATTERN_PROGRAM}: use fewer or smaller counted repetitions {n,m}`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    throw new PatternError(`is not RE2 syntax (no backreferences or lookaround): ${err.message}`);
  }
  // re2js exposes the compiled program on re2Input; test/unit/redos.test.ts pins this.
  const size = (re.re2Input.prog as { numInst(): number }).numInst();
  if (size > MAX_PATTERN_PROGRAM) {
    throw new PatternError(`compiles to ${size} RE2 instructions, more than ${MAX_PATTERN_PROGRAM}: use fewer or smaller counted repetitions {n,m}`);
  }
  return { source, test: (text) => re.testExact(text) };
}

/** The reason the regular expression `source` cannot be compiled, or undefined when it can (for zod refinements). */
export function regexProblem(source: string): string | undefined {
  try {
    compileRegex(source);
    return undefined;
  } catch (err) {
    if (err instanceof PatternError) return err.message;
    throw err;
  }
}

/** `text` as RE2 syntax that matches exactly it. */
export function quoteRe2(text: string): string {
  return RE2JS.quote(text);
}
