// OSV store: range evaluation on the real osv.dev records of the corpus' scanner/osv/records
// (NOTES §1), ecosystem prefix rules, severity, and loading files, directories and zips.
import { mkdtemp, readFile, rm, writeFile, mkdir, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OsvStore, evaluateRange, band, type OsvRecord } from "../../src/scan/osv/index.js";
import { compareVersions } from "../../src/scan/versions/index.js";
import { corpus, corpusPath } from "../helpers/corpus.js";
import { zip } from "../helpers/zip.js";

/** The osv.dev records, read in place from the corpus (test/helpers/corpus.ts). */
const records = () => corpusPath("scanner/osv/records");
const semverCmp = (a: string, b: string) => compareVersions("npm", a, b);


function record(over: Partial<OsvRecord> & Pick<OsvRecord, "id">): OsvRecord {
  return { modified: "2024-01-01T00:00:00Z", ...over };
}

describe.skipIf(!corpus)("OSV records from osv.dev, evaluated (NOTES §1)", () => {
  let store: OsvStore;
  beforeAll(async () => {
    store = await OsvStore.load([records()]);
  });
  const hit = (eco: string, name: string, version: string) =>
    store.affected(eco, name, version).map((m) => [m.record.id, m.fixedVersion ?? null]);

  it("when all 11 records are loaded from the directory, then every one is indexed", () => {
    expect(store.size).toBe(11);
    expect(store.dbVersion).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("when a Debian:9 source package is below the DLA's fixed version, then it is affected with that fix", () => {
    expect(hit("Debian:9", "openssl", "1.1.0l-1~deb9u5")).toEqual([["DLA-3008-1", "1.1.0l-1~deb9u6"]]);
    expect(hit("Debian:9", "openssl", "1.1.0l-1~deb9u6")).toEqual([]);
    expect(hit("Debian:9", "libxml2", "2.9.4+dfsg1-2.2+deb9u6")).toEqual([["DLA-3012-1", "2.9.4+dfsg1-2.2+deb9u7"]]);
    expect(hit("Debian:9", "dpkg", "1.18.25")).toEqual([["DLA-3022-1", "1.18.26"]]);
    expect(hit("Debian:9", "tzdata", "2021a-0+deb9u3")).toEqual([["DLA-3051-1", "2021a-0+deb9u4"]]);
    expect(hit("Debian:9", "tzdata", "2021b-0+deb9u1")).toEqual([]);
  });

  it("when the release differs, then a release-specific record does not match", () => {
    expect(hit("Debian:10", "openssl", "1.1.0l-1~deb9u5")).toEqual([]);
    expect(hit("Debian", "openssl", "1.1.0l-1~deb9u5")).toEqual([]);
  });

  it("when a DLA lists its CVE in upstream, then the match carries it as an alias", () => {
    const [m] = store.affected("Debian:9", "openssl", "1.1.0l-1~deb9u5");
    expect(m?.cves).toEqual(["CVE-2022-1292"]);
    expect(m?.aliases).toContain("CVE-2022-1292");
  });

  it("when musl is checked per Alpine branch, then each branch's own fixed version applies", () => {
    expect(hit("Alpine:v3.17", "musl", "1.2.3-r4")).toEqual([["ALPINE-CVE-2025-26519", "1.2.3-r6"]]);
    expect(hit("Alpine:3.17", "musl", "1.2.3-r4")).toEqual([["ALPINE-CVE-2025-26519", "1.2.3-r6"]]);
    expect(hit("Alpine:v3.16", "musl", "1.2.3-r4")).toEqual([]);
    expect(hit("Alpine:v3.16", "musl", "1.2.3-r3")).toEqual([["ALPINE-CVE-2025-26519", "1.2.3-r4"]]);
    // introduced 0.9.13: older musl is not affected
    expect(hit("Alpine:v3.17", "musl", "0.9.12-r0")).toEqual([]);
    expect(hit("Alpine:v3.15", "musl", "1.2.2-r0")).toEqual([]);
  });

  it("when a record has a CVSS vector, then its severity is the CVSS 3 band of the score", () => {
    const [m] = store.affected("Alpine:v3.17", "musl", "1.2.3-r4");
    expect(m?.cvss).toEqual({ type: "CVSS_V3", vector: "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", score: 7 });
    expect(m?.severity).toBe("High");
  });

  it("when a GHSA npm record has SEMVER ranges and database_specific.severity, then both apply", () => {
    const [m] = store.affected("npm", "ansi-html", "0.0.1");
    expect([m?.record.id, m?.fixedVersion, m?.severity]).toEqual(["GHSA-whgm-jr23-g3j9", "0.0.8", "High"]);
    expect(hit("npm", "ansi-html", "0.0.8")).toEqual([]);
    expect(hit("npm", "ANSI-HTML", "0.0.1")).toEqual([]); // npm names as is
  });

  it("when django has three intervals, then the fix reported is the one closing the version's interval", () => {
    expect(hit("PyPI", "django", "2.2.23")).toEqual([["PYSEC-2021-98", "2.2.24"]]);
    expect(hit("PyPI", "django", "2.2.24")).toEqual([]);
    expect(hit("PyPI", "django", "3.0")).toEqual([["PYSEC-2021-98", "3.1.12"]]);
    expect(hit("PyPI", "django", "3.1.11")).toEqual([["PYSEC-2021-98", "3.1.12"]]);
    expect(hit("PyPI", "django", "3.1.12")).toEqual([]);
    expect(hit("PyPI", "django", "3.2.3")).toEqual([["PYSEC-2021-98", "3.2.4"]]);
    expect(hit("PyPI", "django", "3.2.4")).toEqual([]);
    expect(hit("PyPI", "django", "4.0")).toEqual([]);
  });

  it("when PyPI names differ in case and separators, then PEP 503 normalisation matches them", () => {
    expect(hit("PyPI", "Django", "3.2.3")).toEqual([["PYSEC-2021-98", "3.2.4"]]);
    expect(hit("PyPI", "URLLib3", "1.25.8")).toEqual([["PYSEC-2020-148", "1.25.9"]]);
  });

  it("when a record mixes GIT and ECOSYSTEM ranges, then only the ECOSYSTEM range decides", () => {
    expect(hit("PyPI", "urllib3", "1.25.9")).toEqual([]);
    expect(hit("PyPI", "requests", "2.2.1")).toEqual([]);
    expect(hit("PyPI", "requests", "2.3.0")).toEqual([["PYSEC-2023-74", "2.31.0"]]);
    expect(hit("PyPI", "requests", "2.30.0")).toEqual([["PYSEC-2023-74", "2.31.0"]]);
    expect(hit("PyPI", "requests", "2.31.0")).toEqual([]);
  });

  it("when Go versions carry a v or are pseudo-versions, then SemVer ordering decides", () => {
    expect(hit("Go", "github.com/opencontainers/runc", "v1.0.1")).toEqual([["GO-2022-0274", "1.1.0"]]);
    expect(hit("Go", "github.com/opencontainers/runc", "v1.0.0")).toEqual([]); // below the pseudo-version introduced
    expect(hit("Go", "github.com/opencontainers/runc", "v1.1.0")).toEqual([]);
    expect(hit("Go", "golang.org/x/sys", "v0.0.0-20210817142637-7d9622a276b7")).toEqual([
      ["GO-2022-0493", "0.0.0-20220412211240-33da011f77ad"],
    ]);
    expect(hit("Go", "golang.org/x/sys", "v0.0.0-20220412211240-33da011f77ad")).toEqual([]);
    expect(hit("Go", "stdlib", "1.18.1")).toEqual([["GO-2022-0493", "1.18.2"]]);
    expect(hit("Go", "stdlib", "1.17.10")).toEqual([]);
  });

  it("when a version is only in the enumerated versions list, then it is affected", () => {
    // DLA-3022-1 enumerates dpkg versions; equality alone is enough (NOTES §1)
    const only = OsvStore.fromRecords([
      record({
        id: "X-1",
        affected: [{ package: { ecosystem: "Debian:9", name: "dpkg" }, versions: ["1.18.24"] }],
      }),
    ]);
    expect(only.affected("Debian:9", "dpkg", "1.18.24").map((m) => m.fixedVersion)).toEqual([undefined]);
    expect(only.affected("Debian:9", "dpkg", "1.18.25")).toEqual([]);
  });
});

describe("OSV range semantics (synthetic)", () => {
  const range = (events: Record<string, string>[]) => ({ type: "SEMVER", events });
  const at = (events: Record<string, string>[], v: string) => evaluateRange(range(events), v, semverCmp);

  it("when events are out of order, then they are sorted by the ecosystem ordering first", () => {
    expect(at([{ fixed: "2.0.0" }, { introduced: "1.0.0" }], "1.5.0")).toEqual({ affected: true, fixed: "2.0.0" });
    expect(at([{ fixed: "2.0.0" }, { introduced: "1.0.0" }], "0.5.0")).toEqual({ affected: false });
  });

  it("when last_affected bounds the range, then the bound is inclusive and there is no fix", () => {
    expect(at([{ introduced: "0" }, { last_affected: "1.2.0" }], "1.2.0")).toEqual({ affected: true });
    expect(at([{ introduced: "0" }, { last_affected: "1.2.0" }], "1.2.1")).toEqual({ affected: false });
  });

  it("when a limit exists, then versions at or above it are outside the range", () => {
    const events: Record<string, string>[] = [{ introduced: "0" }, { limit: "2.0.0" }];
    expect(at(events, "1.9.9").affected).toBe(true);
    expect(at(events, "2.0.0").affected).toBe(false);
    expect(at([{ introduced: "0" }, { limit: "*" }], "99.0.0").affected).toBe(true);
    expect(at([{ introduced: "0" }, { limit: "2.0.0" }, { limit: "*" }], "99.0.0").affected).toBe(true);
  });

  it("when introduced is 0 and nothing is fixed, then every version is affected", () => {
    expect(at([{ introduced: "0" }], "0.0.0-alpha")).toEqual({ affected: true });
  });

  it("when a version cannot be compared, then the range does not match instead of throwing", () => {
    const boom = () => {
      throw new Error("bad version");
    };
    expect(evaluateRange(range([{ introduced: "1.0.0" }]), "x", boom)).toEqual({ affected: false });
  });

  it("when scores fall on the CVSS 3 band edges, then the bands are Critical ≥ 9, High ≥ 7, Medium ≥ 4, Low > 0", () => {
    expect([9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0].map(band)).toEqual([
      "Critical", "High", "High", "Medium", "Medium", "Low", "Low", "Unknown",
    ]);
  });
});

describe("ecosystem prefix rules", () => {
  const store = OsvStore.fromRecords([
    record({ id: "ANY-DEBIAN", affected: [{ package: { ecosystem: "Debian", name: "zlib" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] }] }),
    record({ id: "DEBIAN-12", affected: [{ package: { ecosystem: "Debian:12", name: "zlib" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1:1.3-1" }] }] }] }),
    record({ id: "UBUNTU-LTS", affected: [{ package: { ecosystem: "Ubuntu:22.04:LTS", name: "zlib" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] }] }),
    record({ id: "UBUNTU-PRO", affected: [{ package: { ecosystem: "Ubuntu:Pro:18.04:LTS", name: "zlib" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] }] }),
    record({ id: "GONE", withdrawn: "2024-02-01T00:00:00Z", affected: [{ package: { ecosystem: "Debian", name: "zlib" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] }] }),
  ]);
  const ids = (eco: string, v = "1:1.2.13-1") => store.affected(eco, "zlib", v).map((m) => m.record.id).sort();

  it("when a record has no release, then it covers every release of its ecosystem", () => {
    expect(ids("Debian:12")).toEqual(["ANY-DEBIAN", "DEBIAN-12"]);
    expect(ids("Debian:11")).toEqual(["ANY-DEBIAN"]);
  });

  it("when the epoch puts the installed version above the fix, then it is not affected", () => {
    expect(ids("Debian:12", "1:1.3.1-1")).toEqual(["ANY-DEBIAN"]);
  });

  it("when Ubuntu's :LTS marker is left off, then the LTS record still matches, and Pro stays separate", () => {
    expect(ids("Ubuntu:22.04")).toEqual(["UBUNTU-LTS"]);
    expect(ids("Ubuntu:22.04:LTS")).toEqual(["UBUNTU-LTS"]);
    expect(ids("Ubuntu:18.04:LTS")).toEqual([]);
    expect(ids("Ubuntu:Pro:18.04:LTS")).toEqual(["UBUNTU-PRO"]);
  });

  it("when a record is withdrawn, then it is skipped", () => {
    expect(store.size).toBe(4);
    expect(ids("Debian:10")).not.toContain("GONE");
  });
});

describe("loading sources", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "regops-osv-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!corpus)("when given an osv.dev all.zip, a single file and a withdrawn record, then all live records load", async () => {
    const read = (p: string) => readFile(join(records(), p), "utf8");
    await mkdir(join(dir, "Debian"));
    await writeFile(
      join(dir, "Debian", "all.zip"),
      zip({
        "DLA-3008-1.json": await read("Debian/DLA-3008-1.json"),
        "DLA-3022-1.json": await read("Debian/DLA-3022-1.json"),
        "WD-1.json": JSON.stringify(record({ id: "WD-1", withdrawn: "2024-01-02T00:00:00Z" })),
      }),
    );
    const single = join(records(), "npm/GHSA-whgm-jr23-g3j9.json");
    const store = await OsvStore.load([join(dir, "Debian", "all.zip"), single]);
    expect(store.size).toBe(3);
    expect(store.affected("Debian:9", "dpkg", "1.18.25").map((m) => m.record.id)).toEqual(["DLA-3022-1"]);
    expect(store.affected("npm", "ansi-html", "0.0.7").map((m) => m.record.id)).toEqual(["GHSA-whgm-jr23-g3j9"]);

    // a directory source reads the zip inside it too
    const viaDir = await OsvStore.load([dir]);
    expect(viaDir.size).toBe(2);
  });

  it("when an input changes, then dbVersion changes and reload() rebuilds the index", async () => {
    const file = join(dir, "one.json");
    await writeFile(file, JSON.stringify(record({ id: "R-1", affected: [{ package: { ecosystem: "npm", name: "a" }, ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.0.0" }] }] }] })));
    const store = await OsvStore.load([file]);
    const before = store.dbVersion;
    expect(await store.reload()).toBe(false);
    await writeFile(file, JSON.stringify(record({ id: "R-1", affected: [{ package: { ecosystem: "npm", name: "a" }, ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "2.0.0" }] }] }] })));
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect(await store.reload()).toBe(true);
    expect(store.dbVersion).not.toBe(before);
    expect(store.affected("npm", "a", "1.5.0").map((m) => m.fixedVersion)).toEqual(["2.0.0"]);
  });

  it("when a record lacks its required id, then loading fails naming the file", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ modified: "2024-01-01T00:00:00Z" }));
    await expect(OsvStore.load([file])).rejects.toThrow(/failed to read OSV record .*bad\.json/);
  });
});
