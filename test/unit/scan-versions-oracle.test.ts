// The comparators against a second, independent source of truth: pairs of this project's own
// version strings ordered by the real tools (dpkg --compare-versions, python3-rpm's labelCompare,
// python3-packaging), written by test/fixtures/generate-version-oracle.sh. Unlike the upstream
// vectors (scan-versions.test.ts, read from the corpus) this runs in a bare clone too.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as dpkg from "../../src/scan/versions/dpkg.js";
import * as pep440 from "../../src/scan/versions/pep440.js";
import * as rpm from "../../src/scan/versions/rpm.js";

const COMPARE: Record<string, (a: string, b: string) => number> = { dpkg: dpkg.compare, rpm: rpm.compare, pep440: pep440.compare };

const rows = readFileSync(new URL("../fixtures/versions/oracle.tsv", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line && !line.startsWith("#"))
  .map((line) => {
    const [scheme, a, b, sign] = line.split("\t");
    return { scheme: scheme!, a: a!, b: b!, sign: Number(sign) };
  });

describe("version comparators against dpkg, rpm and python-packaging", () => {
  it.each([
    ["dpkg", 325],
    ["rpm", 325],
    ["pep440", 276],
  ])("when every %s pair of the generated oracle is compared both ways, then the tool's order holds", (scheme, count) => {
    const mine = rows.filter((r) => r.scheme === scheme);
    expect(mine).toHaveLength(count);
    const compare = COMPARE[scheme]!;
    const bad = mine
      .filter((r) => Math.sign(compare(r.a, r.b)) !== r.sign || Math.sign(compare(r.b, r.a)) !== -r.sign)
      .map((r) => `${r.a} vs ${r.b}: tool ${r.sign}, regops ${compare(r.a, r.b)}`);
    expect(bad).toEqual([]);
  });
});
