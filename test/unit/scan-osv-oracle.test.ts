// The osv-scanner end-to-end oracle (osv/e2e-osv-scanner-local-db): its inputs' packages,
// matched against the same osv.dev records, give the rows of its expected snapshot.
// osv-scanner reports one row per *source* package (libssl1.1 folds into openssl, musl-utils
// into musl); regops reports per binary package (Trivy's way), so findings are folded to
// (id, ecosystem, source, installed version, fixed) before comparing.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { OsvStore } from "../../src/scan/osv/index.js";
import { matchPackages } from "../../src/scan/match/index.js";
import type { Package } from "../../src/scan/analyzers/types.js";
import { corpus, corpusPath } from "../helpers/corpus.js";

/** A file of osv-scanner's oracle, in the corpus (read in place). */
const e2e = (file: string) => corpusPath("scanner/osv/e2e-osv-scanner-local-db", file);

/** Packages from a CycloneDX SBOM's purls (deb, apk, golang; others have no OSV ecosystem here). */
function sbomPackages(xml: string, source: string): Package[] {
  const out: Package[] = [];
  for (const [, raw] of xml.matchAll(/<purl>([^<]+)<\/purl>/g)) {
    const purl = raw!.replaceAll("&amp;", "&");
    const [head, query] = purl.split("?", 2) as [string, string | undefined];
    const m = /^pkg:(deb|apk|golang)\/(.+)@([^@]+)$/.exec(decodeURIComponent(head));
    if (!m) continue;
    const [, kind, path, version] = m as unknown as [string, string, string, string];
    const q = new URLSearchParams(query ?? "");
    // upstream=<source>[@<source version>]
    const [srcName, srcVersion] = (q.get("upstream") ?? "").split("@", 2);
    const src = srcName ? { sourceName: srcName, ...(srcVersion ? { sourceVersion: srcVersion } : {}) } : {};
    const distro = q.get("distro") ?? "";
    const name = kind === "golang" ? path : path.split("/").at(-1)!;
    const base = { name, version, layer: "", path: source };
    if (kind === "deb") {
      out.push({ ...base, type: "dpkg", ecosystem: `Debian:${/^debian-(\d+)/.exec(distro)![1]}`, ...src });
    } else if (kind === "apk") {
      out.push({ ...base, type: "apk", ecosystem: `Alpine:v${/^alpine-(\d+\.\d+)/.exec(distro)![1]}`, ...src });
    } else if (version !== "(devel)") {
      out.push({ ...base, type: "gobinary", ecosystem: "Go" });
    }
  }
  return out;
}

/** Rows of one snapshot block: [id, ecosystem, package, version, fixed]. */
function snapshotRows(snap: string, test: string): string[] {
  const block = snap.split("\n---\n").find((b) => b.includes(test))!;
  return block
    .split("\n")
    .filter((l) => l.startsWith("| https://osv.dev/"))
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()))
    .map(([url, , eco, pkg, version, fixed]) => `${url!.replace("https://osv.dev/", "")} ${eco} ${pkg} ${version} ${fixed === "--" ? "" : fixed}`.trim());
}

describe.skipIf(!corpus)("osv-scanner's local-db oracle", () => {
  let store: OsvStore;
  let snap: string;
  beforeAll(async () => {
    store = await OsvStore.load([corpusPath("scanner/osv/records")]);
    snap = await readFile(e2e("expected-snapshots.snap"), "utf8");
  });

  it("when the postgres-stretch SBOM is matched, then the 6 source-package rows equal the snapshot", async () => {
    const packages = sbomPackages(await readFile(e2e("postgres-stretch.cdx.xml"), "utf8"), "postgres-stretch.cdx.xml");
    const findings = matchPackages(packages, store);
    const folded = [...new Set(findings.map((f) => `${f.id} ${f.ecosystem} ${f.source} ${f.installedVersion} ${f.fixedVersion ?? ""}`.trim()))].sort();
    const expected = snapshotRows(snap, "one_specific_supported_sbom_with_vulns").sort();
    expect(expected).toHaveLength(6);
    expect(folded).toEqual(expected);
    // per binary package, openssl's DLA lands on both openssl and libssl1.1
    expect(findings.filter((f) => f.id === "DLA-3008-1").map((f) => f.package).sort()).toEqual(["libssl1.1", "openssl"]);
  });

  it("when the locks-many directory is matched, then the Alpine and npm rows equal the snapshot (Packagist has no records here)", async () => {
    const packages = [
      ...sbomPackages(await readFile(e2e("locks-many-with-insecure/alpine.cdx.xml"), "utf8"), "alpine.cdx.xml"),
      ...Object.entries(
        (JSON.parse(await readFile(e2e("locks-many-with-insecure/package-lock.json"), "utf8")) as { dependencies: Record<string, { version: string }> }).dependencies,
      ).map(([name, d]): Package => ({ type: "npm", name, version: d.version, ecosystem: "npm", layer: "", path: "package-lock.json" })),
    ];
    const findings = matchPackages(packages, store);
    const folded = [...new Set(findings.map((f) => `${f.id} ${f.ecosystem} ${f.source} ${f.installedVersion} ${f.fixedVersion ?? ""}`.trim()))].sort();
    const expected = snapshotRows(snap, "all_supported_lockfiles_in_the_directory").filter((r) => !r.includes(" Packagist ")).sort();
    expect(expected).toEqual(["ALPINE-CVE-2025-26519 Alpine:v3.17 musl 1.2.3-r4 1.2.3-r6", "GHSA-whgm-jr23-g3j9 npm ansi-html 0.0.1 0.0.8"]);
    expect(folded).toEqual(expected);
    expect(findings.filter((f) => f.source === "musl").map((f) => f.package).sort()).toEqual(["musl", "musl-utils"]);
  });
});
