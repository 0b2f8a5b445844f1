import { describe, expect, it } from "vitest";
import { compileGlob, GlobError, tagMatcher } from "../../src/patterns/glob.js";
import { createLogger } from "../../src/logger.js";
import { runTick } from "../../src/watches/tick.js";

const matches = (glob: string, tag: string) => compileGlob(glob).test(tag);

describe("tag globs", () => {
  it.each([
    ["v1.*", "v1.2.3", true],
    ["v1.*", "v1", false],
    ["v1.*", "v10.0", false], // the dot is literal
    ["*", "anything-at_all.1", true],
    ["release-?", "release-7", true],
    ["release-?", "release-17", false],
    ["{latest,stable}", "stable", true],
    ["{latest,stable}", "stable2", false],
    ["v{1,2}.{0,1}.*", "v2.1.9", true],
    ["v{1,2}.{0,1}.*", "v3.1.9", false],
    ["{v1.*,nightly-{a,b}}", "nightly-b", true],
    ["[0-9]*", "2024.01", true],
    ["[0-9]*", "v2024", false],
    ["[!a-c]x", "dx", true],
    ["[!a-c]x", "bx", false],
    ["[]a]", "]", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["x,y", "x,y", true], // a comma outside braces is literal
    ["1.27-*-alpine", "1.27-3-alpine", true],
    ["1.27-*-alpine", "1.27-3-bookworm", false],
    ["[.-]x", ".x", true], // class characters are literal, whatever they mean in a regex
    ["[.-]x", "ax", false],
    ["[\\]]", "]", true],
    ["[^a]", "b", true], // `^` negates, as `!` does
    ["[\\^a]", "^", true],
  ])("%s against %s is %s", (glob, tag, expected) => {
    expect(matches(glob, tag)).toBe(expected);
  });

  it("when a glob has regex syntax in it, then it is matched literally", () => {
    expect(matches("a+b(c)|d$", "a+b(c)|d$")).toBe(true);
    expect(matches("a+b", "aab")).toBe(false);
  });

  it.each([
    ["", "is empty"],
    ["v1.[0-9", "unclosed '['"],
    ["{a,b", "unclosed '{'"],
    ["a}", "'}' without '{'"],
    ["[z-a]", "reversed range"],
    ["ab\\", "lone '\\'"],
  ])("when the glob is %j, then it is refused: %s", (glob, message) => {
    expect(() => compileGlob(glob)).toThrow(GlobError);
    expect(() => compileGlob(glob)).toThrow(message);
  });

  it("when a glob translates to too large an RE2 program, then it is refused, saying so", () => {
    expect(() => compileGlob("*a".repeat(128))).toThrow(/RE2 instructions, more than 300/);
  });

  it("when a saved watch's glob no longer compiles, then its tick records BAD_REQUEST naming the glob and asks the registry nothing", async () => {
    const glob = "*a".repeat(128); // accepted before the RE2 limits, saved in Redis as it was
    const untouched = new Proxy({}, { get: () => { throw new Error("the registry must not be asked"); } });
    const deps = { registries: untouched, images: untouched, jobs: untouched, logger: createLogger("silent") } as never;
    const outcome = await runTick({ id: "old", repository: "registry.example.com/team/app", tags: glob, every: "5m", pull: true }, deps, new AbortController().signal);
    expect(outcome).toMatchObject({ checked: 0, jobs: [], error: { code: "BAD_REQUEST", count: 1 } });
    expect(outcome.error?.message).toMatch(/^tags glob "\*a\*a.*" compiles to (about )?\d+ RE2 instructions, more than 300/);
  });

  it("when no glob is given, then every tag matches", () => {
    expect(tagMatcher(undefined)("whatever")).toBe(true);
    expect(tagMatcher("v*")("latest")).toBe(false);
  });
});
