// A rough size of the program RE2 would compile a pattern to, read off the text before compiling
// it: re2js expands counted repetitions while it compiles, so `(?:\p{L}{0,31}){0,31}` eleven
// times over (231 characters) costs 100 ms and more to compile, only to be refused by the
// program-size limit afterwards. This estimate lets such a pattern be refused first, in time
// linear in its length. It is close (a few instructions either way), not exact: the exact size
// is still checked after compiling (src/patterns/re2.ts).

interface Group {
  /** Instructions so far in this group (every alternative added up). */
  total: number;
  /** Instructions of the last atom, which a following quantifier repeats. */
  last: number;
}

const REPEAT = /^\{(\d{1,7})(,(\d{0,7}))?\}/;

/** Roughly how many instructions `source` compiles to (each atom counts 1, repeated as counted). */
export function estimateProgram(source: string): number {
  const stack: Group[] = [{ total: 0, last: 0 }];
  const top = () => stack[stack.length - 1]!;
  const atom = (size: number) => {
    top().total += size;
    top().last = size;
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      // \p{Greek}, \x{10FFFF}: one atom up to the brace; any other escape: one atom of two characters
      const next = source[i + 1];
      const braced = (next === "p" || next === "P" || next === "x") && source[i + 2] === "{" ? source.indexOf("}", i) : -1;
      i = braced > 0 ? braced : i + 1;
      atom(1);
    } else if (c === "[") {
      i = classEnd(source, i);
      atom(1);
    } else if (c === "(") {
      // `(?:`, `(?i:`, `(?P<name>`, `(?<name>` open a group; `(?i)` only sets flags
      const prefix = /^\(\?(?:P?<[^>]*>|[a-zA-Z-]*[:)])/.exec(source.slice(i, i + 40))?.[0] ?? "(";
      i += prefix.length - 1;
      if (!prefix.endsWith(")")) stack.push({ total: 0, last: 0 });
    } else if (c === ")" && stack.length > 1) {
      atom(stack.pop()!.total);
    } else if (c === "{" && REPEAT.test(source.slice(i, i + 18))) {
      const [text, min, comma, max] = source.slice(i, i + 18).match(REPEAT)!;
      // x{2,5} is xx(x(x(x)?)?)?: each optional copy adds a split; x{2,} is xxx*
      const required = Number(min);
      const optional = max ? Math.max(Number(max) - required, 0) : comma ? 1 : 0;
      const group = top();
      const size = group.last * required + (group.last + 1) * optional;
      group.total += size - group.last;
      group.last = size;
      i += text.length - 1;
    } else if (c === "|") {
      top().last = 0;
    } else {
      atom(1); // a literal, `.`, `^`, `$`, or the split of `*`, `+`, `?`
    }
  }
  return stack.reduce((sum, g) => sum + g.total, 0);
}

/** Index of the `]` closing the class opened at `open` (past `[:alpha:]` and escapes), or the end. */
function classEnd(source: string, open: number): number {
  let i = open + 1;
  if (source[i] === "^") i++;
  if (source[i] === "]") i++;
  for (; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source.startsWith("[:", i)) i = Math.max(i, source.indexOf(":]", i + 2) + 1);
    else if (source[i] === "]") return i;
  }
  return source.length;
}
