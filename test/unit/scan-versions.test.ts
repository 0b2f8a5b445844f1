// Version comparators against every vector file in the corpus' scanner/versions, read in place
// (test/helpers/corpus.ts; ≈48,000 vectors; formats and provenance in that folder's SOURCES.md). One `it` per file collects all
// mismatches, so a failure shows the first 20 instead of stopping at one, and the vector count
// is asserted so a parser that silently reads nothing fails too.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as apk from "../../src/scan/versions/apk.js";
import * as apk3 from "../../src/scan/versions/apk3.js";
import * as dpkg from "../../src/scan/versions/dpkg.js";
import * as pep440 from "../../src/scan/versions/pep440.js";
import * as rpm from "../../src/scan/versions/rpm.js";
import * as semver from "../../src/scan/versions/semver.js";
import { compareVersions, schemeFor } from "../../src/scan/versions/index.js";
import { corpus, corpusPath } from "../helpers/corpus.js";

const VECTORS = "scanner/versions";

type Compare = (a: string, b: string) => number;
type Op = "<" | "=" | ">";

/** One expectation read from a file; `line` is kept for failure messages. */
type Vector =
  | { kind: "order"; a: string; op: Op; b: string; line: number }
  | { kind: "fuzzy"; a: string; op: "~" | "<~" | ">~" | "!~"; b: string; line: number }
  | { kind: "valid"; v: string; expected: boolean; line: number };

const OP_OF_SIGN: Record<string, Op> = { "-1": "<", "0": "=", "1": ">" };
const opOf = (n: number): Op => OP_OF_SIGN[String(Math.sign(n))]!;

function lines(file: string): [string, number][] {
  return readFileSync(corpusPath(VECTORS, file), "utf8")
    .split("\n")
    .map((text, i): [string, number] => [text, i + 1]);
}

/** Any line a format does not recognise is an error, never a silent skip. */
function unparsable(file: string, line: number, text: string): never {
  throw new Error(`${file}:${line}: cannot parse ${JSON.stringify(text)}`);
}

/** sym: `A OP B`; blank lines and lines starting with `# ` or `// ` are comments. */
function parseSym(file: string): Vector[] {
  const out: Vector[] = [];
  for (const [raw, line] of lines(file)) {
    const text = raw.trim();
    if (text === "" || text.startsWith("#") || text.startsWith("//")) continue;
    const m = /^(\S+) ([<=>]) (\S+)$/.exec(text) ?? unparsable(file, line, raw);
    out.push({ kind: "order", a: m[1]!, op: m[2] as Op, b: m[3]!, line });
  }
  return out;
}

/** apk: `A OP B` (OP also fuzzy `~ <~ >~ !~`) or a validity line `VER` / `!VER`; `#` starts a comment. */
function parseApk(file: string): Vector[] {
  const out: Vector[] = [];
  for (const [raw, line] of lines(file)) {
    const text = raw.replace(/#.*/, "").trim();
    if (text === "") {
      if (raw.trim() !== "" && !raw.trim().startsWith("#")) unparsable(file, line, raw);
      continue;
    }
    const parts = text.split(/\s+/);
    if (parts.length === 3) {
      const [a, op, b] = parts as [string, string, string];
      if (op === "<" || op === "=" || op === ">") out.push({ kind: "order", a, op, b, line });
      else if (op === "~" || op === "<~" || op === ">~" || op === "!~") out.push({ kind: "fuzzy", a, op, b, line });
      else unparsable(file, line, raw);
    } else if (parts.length === 1) {
      const v = parts[0]!;
      out.push(v.startsWith("!") ? { kind: "valid", v: v.slice(1), expected: false, line } : { kind: "valid", v, expected: true, line });
    } else {
      unparsable(file, line, raw);
    }
  }
  return out;
}

/** num: dpkg's Dpkg_Version.t `A B RESULT` with RESULT -1, 0 or 1. */
function parseNum(file: string): Vector[] {
  const out: Vector[] = [];
  for (const [raw, line] of lines(file)) {
    if (raw.trim() === "") continue;
    const m = /^(\S+) (\S+) (-1|0|1)$/.exec(raw.trim()) ?? unparsable(file, line, raw);
    out.push({ kind: "order", a: m[1]!, op: opOf(Number(m[3])), b: m[2]!, line });
  }
  return out;
}

/** rpm-at: `RPMVERCMP(A, B, RESULT)`; `dnl ` lines are rpm's commented-out oddities, not truth. */
function parseRpmAt(file: string): Vector[] {
  const out: Vector[] = [];
  for (const [raw, line] of lines(file)) {
    if (raw.trim() === "" || raw.startsWith("dnl ")) continue;
    const m = /^RPMVERCMP\(([^,]*), ([^,]*), (-1|0|1)\)$/.exec(raw.trim()) ?? unparsable(file, line, raw);
    out.push({ kind: "order", a: m[1]!, op: opOf(Number(m[3])), b: m[2]!, line });
  }
  return out;
}

/** tsv: `A<TAB>LESS|EQUAL|GREATER<TAB>B`; A or B may be the empty string. */
function parseTsv(file: string): Vector[] {
  const words: Record<string, Op> = { LESS: "<", EQUAL: "=", GREATER: ">" };
  const out: Vector[] = [];
  for (const [raw, line] of lines(file)) {
    if (raw === "") continue;
    const m = /^([^\t]*)\t(LESS|EQUAL|GREATER)\t([^\t]*)$/.exec(raw) ?? unparsable(file, line, raw);
    out.push({ kind: "order", a: m[1]!, op: words[m[2]!]!, b: m[3]!, line });
  }
  return out;
}

/** Every mismatch of `vectors`, checking each order both ways (compare(b, a) must be the reverse). */
function mismatches(vectors: Vector[], compare: Compare, extra?: { fuzzy: Compare; valid: (v: string) => boolean }): string[] {
  const flip: Record<Op, Op> = { "<": ">", "=": "=", ">": "<" };
  const bad: string[] = [];
  for (const v of vectors) {
    if (v.kind === "order") {
      const got = opOf(compare(v.a, v.b));
      const back = opOf(compare(v.b, v.a));
      if (got !== v.op || back !== flip[v.op]) bad.push(`line ${v.line}: ${v.a} ${v.op} ${v.b}, got ${got} (reverse ${back})`);
    } else if (v.kind === "fuzzy") {
      if (!extra) {
        bad.push(`line ${v.line}: fuzzy vector without a fuzzy matcher`);
        continue;
      }
      const r = extra.fuzzy(v.a, v.b);
      const ok = { "~": r === 0, "!~": r !== 0, "<~": r <= 0, ">~": r >= 0 }[v.op];
      if (!ok) bad.push(`line ${v.line}: ${v.a} ${v.op} ${v.b} does not hold (fuzzy compare ${r})`);
    } else {
      if (!extra) {
        bad.push(`line ${v.line}: validity vector without a validator`);
        continue;
      }
      if (extra.valid(v.v) !== v.expected) bad.push(`line ${v.line}: ${v.expected ? "" : "!"}${v.v}: valid() is ${!v.expected}`);
    }
  }
  return bad;
}

function report(bad: string[]): string {
  return `${bad.length} mismatches:\n${bad.slice(0, 20).join("\n")}`;
}

const apk3Extra = {
  // apk's fuzzy match is "compare with fuzzy=true is EQUAL"; <~ and >~ accept LESS/GREATER too.
  fuzzy: (a: string, b: string) => (apk3.fuzzyMatches(a, b) ? 0 : apk3.compare(a, b)),
  valid: apk3.valid,
};

interface FileCase {
  parse: (file: string) => Vector[];
  compare: Compare;
  count: number;
  extra?: typeof apk3Extra;
  /** Lines (by number) that the comparator is known to get "wrong", with the reason in a comment. */
  knownDeviations?: number[];
}

// apk-tools 2.x (apk.ts) vs the eight osv-scalibr hand vectors on invalid strings that encode
// apk-tools 3 ("on latest apk these are …" in the file): 1-r-0, 1-r-1, 0.r1, 0.8.21.r2, 1.2.0A,
// 1.2.0D, 1-ruff, 1--ruff1. Each must hold under apk3.ts instead (checked below).
const OSV_ALPINE_APK3_LINES = [4, 5, 15, 24, 27, 28, 40, 47];
// The five apk-tools 3-only orderings at the end of the master test file: leading-zero
// components compared as text (8.2.0 < 8.2.001) and `~hash` suffixes.
const MASTER_APK3_ONLY_LINES = [734, 735, 737, 738, 739];

const FILES: Record<string, FileCase> = {
  "debian/dpkg-scripts-t-Dpkg_Version.t.DATA.txt": { parse: parseNum, compare: dpkg.compare, count: 43 },
  "debian/osv-scalibr-debian-versions.txt": { parse: parseSym, compare: dpkg.compare, count: 30 },
  "debian/osv-scalibr-debian-versions-generated.txt": { parse: parseSym, compare: dpkg.compare, count: 14_442 },
  "alpine/apk-tools-2.14-stable-test-version.data": { parse: parseApk, compare: apk.compare, count: 733 },
  // Written for apk-tools 3: checked in full (order, fuzzy operators, validity) with apk3.ts.
  "alpine/apk-tools-master-test-unit-version.data": { parse: parseApk, compare: apk3.compare, count: 785, extra: apk3Extra },
  "alpine/osv-scalibr-alpine-versions.txt": {
    parse: parseSym,
    compare: apk.compare,
    count: 778,
    knownDeviations: OSV_ALPINE_APK3_LINES,
  },
  "alpine/osv-scalibr-alpine-versions-generated.txt": { parse: parseSym, compare: apk.compare, count: 13_979 },
  "pypi/osv-scalibr-pypi-versions.txt": { parse: parseSym, compare: pep440.compare, count: 37 },
  "pypi/osv-scalibr-pypi-versions-generated.txt": { parse: parseSym, compare: pep440.compare, count: 12_375 },
  // rpmvercmp.at and go-rpm-version test rpmvercmp() on bare strings (`1-2-3-4` is one string).
  "rpm/rpm-tests-rpmvercmp.at.RPMVERCMP-lines.txt": { parse: parseRpmAt, compare: rpm.rpmvercmp, count: 91 },
  "rpm/go-rpm-version-version_testcase.tsv": { parse: parseTsv, compare: rpm.rpmvercmp, count: 4_489 },
  "rpm/osv-scalibr-redhat-versions.txt": { parse: parseSym, compare: rpm.compare, count: 165 },
  "semver/osv-scalibr-semver-versions.txt": { parse: parseSym, compare: semver.compare, count: 86 },
};

function vectorFiles(): string[] {
  const root = corpusPath(VECTORS);
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.includes("/") && !f.endsWith(".md"))
    .sort();
}

describe.skipIf(!corpus)("version vectors", () => {
  it("when the fixture folder is listed, then every vector file has a case here", () => {
    expect(vectorFiles()).toEqual(Object.keys(FILES).sort());
  });

  for (const [file, c] of Object.entries(FILES)) {
    it(`when ${file} is replayed, then every vector holds`, () => {
      const vectors = c.parse(file);
      expect(vectors.length).toBe(c.count);
      const known = new Set(c.knownDeviations ?? []);
      const bad = mismatches(
        vectors.filter((v) => !known.has(v.line)),
        c.compare,
        c.extra,
      );
      expect(bad, report(bad)).toEqual([]);
      if (known.size > 0) {
        // The excluded lines must really be deviations, so the list cannot go stale silently.
        const deviating = mismatches(vectors.filter((v) => known.has(v.line)), c.compare).length;
        expect(deviating).toBe(known.size);
      }
    });
  }
});

describe.skipIf(!corpus)("apk-tools 2 vs 3 on the vectors where they differ", () => {
  it("when the osv-scalibr invalid-string vectors are replayed with apk-tools 3 rules, then they hold", () => {
    const vectors = parseSym("alpine/osv-scalibr-alpine-versions.txt").filter((v) => OSV_ALPINE_APK3_LINES.includes(v.line));
    expect(vectors).toHaveLength(8);
    const bad = mismatches(vectors, apk3.compare);
    expect(bad, report(bad)).toEqual([]);
  });

  it("when the apk-tools master file is replayed with apk-tools 2 rules, then only the apk-3-only lines differ", () => {
    const vectors = parseApk("alpine/apk-tools-master-test-unit-version.data").filter((v) => v.kind === "order");
    expect(vectors).toHaveLength(738);
    const bad = mismatches(vectors, apk.compare);
    expect(bad.map((b) => Number(/^line (\d+)/.exec(b)?.[1]))).toEqual(MASTER_APK3_ONLY_LINES);
  });

  it("when apk-tools 2.14's own file is replayed with apk-tools 3 rules, then it holds too", () => {
    const bad = mismatches(parseApk("alpine/apk-tools-2.14-stable-test-version.data"), apk3.compare);
    expect(bad, report(bad)).toEqual([]);
  });
});

describe("semver fallback", () => {
  it.skipIf(!corpus)("when both versions are strict SemVer, then compareLoose agrees with npm semver on every vector", () => {
    const vectors = parseSym("semver/osv-scalibr-semver-versions.txt");
    const bad = vectors
      .filter((v) => v.kind === "order" && semver.valid(v.a) && semver.valid(v.b))
      .filter((v) => v.kind === "order" && semver.compareLoose(v.a, v.b) !== semver.compare(v.a, v.b));
    expect(bad).toEqual([]);
  });

  it("when versions are semver-like (30-digit numbers, 5 components), then they still order", () => {
    expect(semver.valid("999999999999999999999999999991")).toBe(false);
    expect(semver.compare("999999999999999999999999999991", "999999999999999999999999999999")).toBe(-1);
    expect(semver.compare("1.1.3.4.5", "1.1.3.4.6")).toBe(-1);
    expect(semver.compare("v0.0.0-20210101000000-abcdef123456", "v0.0.0")).toBe(-1);
    expect(semver.compare("v2.0.0+incompatible", "2.0.0")).toBe(0);
  });
});

describe("antisymmetry spot checks", () => {
  const pairs: [string, Compare, string, string][] = [
    ["dpkg", dpkg.compare, "1:1.0~rc1-1", "1.0-1"],
    ["dpkg", dpkg.compare, "2.2~rc-4", "2.2-1"],
    ["apk", apk.compare, "1.1_alpha1", "1.1"],
    ["apk", apk.compare, "1.0a", "1.0.1"],
    ["apk3", apk3.compare, "8.2.0", "8.2.001"],
    ["rpm", rpm.compare, "1:1.0-1.el9", "2.0-1.el9"],
    ["rpm", rpm.compare, "1.0^git1", "1.0~rc1"],
    ["rpm", rpm.compare, "1", "1-"],
    ["semver", semver.compare, "1.0.0-alpha.1", "1.0.0-alpha.beta"],
    ["semver", semver.compare, "1.1.3.4.5", "1.1.3"],
    ["pep440", pep440.compare, "0.1-bulbasaur", "1.0.dev0"],
    ["pep440", pep440.compare, "1.0beta6.1", "4.11-final"],
  ];
  it.each(pairs)("when %s compares %s with %s both ways, then the results are opposite", (_name, compare, a, b) => {
    expect(compare(a, b)).not.toBe(0);
    expect(compare(a, b)).toBe(-compare(b, a));
    expect(compare(a, a)).toBe(0);
  });
});

describe("compareVersions", () => {
  it.each([
    ["Debian:12", "dpkg"],
    ["Ubuntu:22.04:LTS", "dpkg"],
    ["Ubuntu:Pro:18.04:LTS", "dpkg"],
    ["Alpine:v3.19", "apk"],
    ["Red Hat:enterprise_linux:9::appstream", "rpm"],
    ["Rocky Linux:9", "rpm"],
    ["AlmaLinux", "rpm"],
    ["SUSE:Linux Enterprise Server 15 SP5", "rpm"],
    ["openSUSE:Tumbleweed", "rpm"],
    ["Fedora:40", "rpm"],
    ["npm", "semver"],
    ["Go", "semver"],
    ["PyPI", "pep440"],
  ])("when the ecosystem is %s, then the scheme is %s", (ecosystem, scheme) => {
    expect(schemeFor(ecosystem)).toBe(scheme);
  });

  it("when versions are compared per ecosystem, then each uses its own rules", () => {
    expect(compareVersions("Debian:12", "1.0~rc1", "1.0")).toBeLessThan(0);
    expect(compareVersions("Ubuntu:18.04:LTS", "4.4.18-2ubuntu1.2", "4.4-5ubuntu1")).toBeGreaterThan(0);
    expect(compareVersions("Alpine:v3.10", "1.1.22-r3", "1.1.20-r5")).toBeGreaterThan(0);
    expect(compareVersions("Red Hat:enterprise_linux:9", "0:3.10.0-229.el7", "0:3.10.0-229.1.2.ael7b")).toBeLessThan(0);
    expect(compareVersions("npm", "3.3.9", "3.0.0")).toBeGreaterThan(0);
    expect(compareVersions("Go", "v1.2.3", "1.2.3")).toBe(0);
    expect(compareVersions("PyPI", "1.0", "1.0.0")).toBe(0);
  });

  it.each(["Maven", "crates.io", "Debianish", "debian:12", "constructor", "", "Wolfi"])(
    "when the ecosystem is %j, then compareVersions throws",
    (ecosystem) => {
      expect(() => compareVersions(ecosystem, "1", "2")).toThrow(/no comparator for ecosystem/);
    },
  );
});

describe("valid()", () => {
  it("when a version breaks its scheme's grammar, then valid() says so", () => {
    expect(["1.0-1", "1:2.30-1ubuntu1", "0.0.0"].map(dpkg.valid)).toEqual([true, true, true]);
    expect(["", "a1.0", "x:1.0", "1.0-", "1 .0", "1.0-1_2"].map(dpkg.valid)).toEqual([false, false, false, false, false, false]);
    expect(["1.2.3_rc1-r2", "6.0.2p1-r0"].map(apk.valid)).toEqual([true, true]);
    expect(["1.0_foobar", "1-r-0", "a"].map(apk.valid)).toEqual([false, false, true]);
    expect(["6.0.2p1-r0", "0.1_pre2~1234abcd"].map(apk3.valid)).toEqual([false, true]);
    expect(["1.0.0", "v1.0.0-rc.1", "1.1.3.4.5"].map(semver.valid)).toEqual([true, true, false]);
    expect(["1.0.post1", " 1.0 ", "0.1-bulbasaur"].map(pep440.valid)).toEqual([true, true, false]);
  });
});
