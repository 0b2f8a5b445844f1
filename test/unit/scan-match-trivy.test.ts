// THE corpus check: Trivy's fixture vulnerability DB turned into OSV records, matched against
// the package lists Trivy's analyzers extract from the same test images, must give exactly the
// golden reports' (VulnerabilityID, PkgName, InstalledVersion, FixedVersion) sets (trivy/SOURCES.md).
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { OsvStore, trivyFixtureToOsv } from "../../src/scan/osv/index.js";
import { matchPackages, type Finding } from "../../src/scan/match/index.js";
import type { Package } from "../../src/scan/analyzers/types.js";
import { corpus, corpusPath } from "../helpers/corpus.js";

/** A file of Trivy's test data, read in place from the corpus (test/helpers/corpus.ts). */
const trivy = (file: string) => corpusPath("scanner/trivy", file);
const DB_FILES = ["debian.yaml", "alpine.yaml", "ubuntu.yaml", "nodejs.yaml", "python.yaml", "vulnerability.yaml", "data-source.yaml"];

interface TrivyPackage {
  Name: string;
  Version: string;
  Release?: string;
  Epoch?: number;
  SrcName?: string;
  SrcVersion?: string;
  SrcRelease?: string;
  SrcEpoch?: number;
  Arch?: string;
}

/** `[epoch:]version[-release]`, as dpkg prints it (apk versions already carry `-rN`). */
function fullVersion(version: string, release?: string, epoch?: number): string {
  return `${epoch ? `${epoch}:` : ""}${version}${release ? `-${release}` : ""}`;
}

async function corpusPackages(name: string, type: "dpkg" | "apk", ecosystem: string): Promise<Package[]> {
  const list = JSON.parse(await readFile(trivy(`packages/${name}.json.golden`), "utf8")) as TrivyPackage[];
  return list.map((p) => ({
    type,
    name: p.Name,
    version: fullVersion(p.Version, p.Release, p.Epoch),
    sourceName: p.SrcName ?? p.Name,
    sourceVersion: p.SrcVersion !== undefined ? fullVersion(p.SrcVersion, p.SrcRelease, p.SrcEpoch) : fullVersion(p.Version, p.Release, p.Epoch),
    ecosystem,
    layer: "sha256:test",
    path: type === "dpkg" ? "var/lib/dpkg/status" : "lib/apk/db/installed",
    ...(p.Arch ? { arch: p.Arch } : {}),
  }));
}

interface GoldenVuln {
  VulnerabilityID: string;
  PkgName: string;
  InstalledVersion: string;
  FixedVersion?: string;
  Severity: string;
}

async function golden(name: string): Promise<GoldenVuln[]> {
  const report = JSON.parse(await readFile(trivy(`reports/${name}.json.golden`), "utf8")) as {
    Results: { Vulnerabilities?: GoldenVuln[] }[];
  };
  return report.Results.flatMap((r) => r.Vulnerabilities ?? []);
}

const tuple = (id: string, pkg: string, installed: string, fixed?: string) => `${id} ${pkg} ${installed} ${fixed ?? ""}`.trim();
const goldenSet = (vs: GoldenVuln[]) => [...new Set(vs.map((v) => tuple(v.VulnerabilityID, v.PkgName, v.InstalledVersion, v.FixedVersion)))].sort();
const findingSet = (fs: Finding[]) => [...new Set(fs.map((f) => tuple(f.id, f.package, f.installedVersion, f.fixedVersion)))].sort();

describe.skipIf(!corpus)("the Trivy corpus through the OSV matcher", () => {
  let store: OsvStore;
  beforeAll(async () => {
    const docs = await Promise.all(DB_FILES.map(async (f) => parseAllDocuments(await readFile(trivy(`fixture-db/${f}`), "utf8")).map((d) => d.toJS() as unknown)));
    store = OsvStore.fromRecords(trivyFixtureToOsv(docs.flat()));
  });

  it("when debian-buster's 91 packages are matched, then the findings equal the golden report's set", async () => {
    const packages = await corpusPackages("debian-buster", "dpkg", "Debian:10");
    expect(packages).toHaveLength(91);
    const findings = matchPackages(packages, store);
    const expected = goldenSet(await golden("debian-buster"));
    expect(expected).toEqual(["CVE-2019-18224 libidn2-0 2.0.5-1 2.0.5-1+deb10u1", "CVE-2019-18276 bash 5.0-4"]);
    expect(findingSet(findings)).toEqual(expected);
    const idn = findings.find((f) => f.id === "CVE-2019-18224");
    expect([idn?.source, idn?.sourceVersion, idn?.aliases]).toEqual(["libidn2", "2.0.5-1", ["DSA-4613-1"]]);
  });

  it("when alpine-310's 14 packages are matched, then both openssl binaries get both CVEs and musl none", async () => {
    const packages = await corpusPackages("alpine-310", "apk", "Alpine:v3.10");
    expect(packages).toHaveLength(14);
    const findings = matchPackages(packages, store);
    const expected = goldenSet(await golden("alpine-310"));
    expect(expected).toHaveLength(4);
    expect(findingSet(findings)).toEqual(expected);
    // negative case: musl 1.1.22-r3 vs fixed 1.1.20-r5
    expect(packages.find((p) => p.name === "musl")?.version).toBe("1.1.22-r3");
    expect(findings.filter((f) => f.source === "musl")).toEqual([]);
  });

  it("when the golden reports name a severity, then the converted records give the same one", async () => {
    for (const [name, type, eco] of [["debian-buster", "dpkg", "Debian:10"], ["alpine-310", "apk", "Alpine:v3.10"]] as const) {
      const findings = matchPackages(await corpusPackages(name, type, eco), store);
      const got = findings.map((f) => `${f.id} ${f.package} ${f.severity.toUpperCase()}`).sort();
      const want = (await golden(name)).map((v) => `${v.VulnerabilityID} ${v.PkgName} ${v.Severity}`).sort();
      expect(got).toEqual(want);
    }
  });

  it("when ubuntu-18.04's packages are matched, then e2fsprogs' four binaries are reported and bash's old fix is not", async () => {
    const packages = await corpusPackages("ubuntu-18.04", "dpkg", "Ubuntu:18.04");
    const got = findingSet(matchPackages(packages, store));
    expect(got).toEqual(goldenSet(await golden("ubuntu-1804")));
    expect(got.some((t) => t.startsWith("CVE-2016-9401"))).toBe(false); // 4.4.18-2ubuntu1.2 > 4.4-5ubuntu1
  });

  it("when jquery 3.3.9 is matched, then only CVE-2019-11358 (< 3.4.0) applies, not CVE-2015-9251 (< 3.0.0)", async () => {
    const lock = JSON.parse(await readFile(trivy("npm-package-lock.json"), "utf8")) as { dependencies: Record<string, { version: string }> };
    const packages: Package[] = Object.entries(lock.dependencies).map(([name, d]) => ({
      type: "npm", name, version: d.version, ecosystem: "npm", layer: "", path: "package-lock.json",
    }));
    const findings = matchPackages(packages, store);
    expect(findingSet(findings)).toEqual(goldenSet(await golden("npm")));
    expect(findingSet(findings)).toEqual(["CVE-2019-11358 jquery 3.3.9 3.4.0"]);
  });
});
