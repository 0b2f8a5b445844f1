// matchPackages: OS packages looked up by source name and version, reported per binary;
// language packages by their own name; one finding per (id, package, installed version).
import { describe, expect, it } from "vitest";
import { OsvStore, type OsvRecord } from "../../src/scan/osv/index.js";
import { lookupKey, matchPackages } from "../../src/scan/match/index.js";
import type { Package } from "../../src/scan/analyzers/types.js";

const rec = (id: string, ecosystem: string, name: string, events: Record<string, string>[], extra: Partial<OsvRecord> = {}): OsvRecord => ({
  id,
  modified: "2024-01-01T00:00:00Z",
  affected: [{ package: { ecosystem, name }, ranges: [{ type: "ECOSYSTEM", events }] }],
  ...extra,
});

const store = OsvStore.fromRecords([
  rec("DSA-1", "Debian:10", "openssl", [{ introduced: "0" }, { fixed: "1.1.1d-0+deb10u2" }], {
    upstream: ["CVE-2019-1547"],
    summary: "openssl - security update",
    references: [{ type: "ADVISORY", url: "https://www.debian.org/security/2019/dsa-4539" }],
  }),
  rec("DSA-2", "Debian:10", "gcc-8", [{ introduced: "0" }, { fixed: "1:8.3.0-6" }]),
  rec("DSA-3", "Debian:10", "bash", [{ introduced: "0" }]),
  rec("GHSA-x", "npm", "lodash", [{ introduced: "0" }, { fixed: "4.17.12" }], { aliases: ["CVE-2019-10744"] }),
]);

const deb = (name: string, version: string, sourceName?: string, sourceVersion?: string): Package => ({
  type: "dpkg", name, version, ...(sourceName ? { sourceName } : {}), ...(sourceVersion ? { sourceVersion } : {}),
  ecosystem: "Debian:10", layer: "sha256:l1", path: "var/lib/dpkg/status",
});

describe("matchPackages", () => {
  it("when two binaries come from one source package, then each binary gets the source's advisory", () => {
    const findings = matchPackages([deb("libssl1.1", "1.1.1d-0+deb10u1", "openssl"), deb("openssl", "1.1.1d-0+deb10u1")], store);
    expect(findings.map((f) => [f.package, f.source, f.fixedVersion])).toEqual([
      ["libssl1.1", "openssl", "1.1.1d-0+deb10u2"],
      ["openssl", "openssl", "1.1.1d-0+deb10u2"],
    ]);
    expect(findings[0]).toMatchObject({
      id: "DSA-1", cves: ["CVE-2019-1547"], severity: "Unknown", layer: "sha256:l1",
      summary: "openssl - security update", links: ["https://www.debian.org/security/2019/dsa-4539"],
    });
  });

  it("when the source version differs from the binary's, then the source version is compared and the binary's reported", () => {
    // libgcc1 1:8.3.0-6 built from gcc-8 8.3.0-6: the source has no epoch, so it is below 1:8.3.0-6
    const [f] = matchPackages([deb("libgcc1", "1:8.3.0-6", "gcc-8", "8.3.0-6")], store);
    expect([f?.installedVersion, f?.sourceVersion, f?.fixedVersion]).toEqual(["1:8.3.0-6", "8.3.0-6", "1:8.3.0-6"]);
    expect(lookupKey(deb("libgcc1", "1:8.3.0-6", "gcc-8", "8.3.0-6"))).toEqual({ name: "gcc-8", version: "8.3.0-6" });
  });

  it("when the same package is found twice, then there is one finding per (id, package, installed version)", () => {
    const lodash = (path: string): Package => ({ type: "npm", name: "lodash", version: "4.17.11", ecosystem: "npm", layer: "l", path });
    const findings = matchPackages([lodash("a/package.json"), lodash("b/package.json")], store);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.links).toEqual(["https://osv.dev/vulnerability/GHSA-x"]);
  });

  it("when an id or alias is ignored, or only fixed findings are wanted, then those are left out", () => {
    const pkgs = [deb("openssl", "1.1.1c-1"), { type: "npm", name: "lodash", version: "4.17.11", ecosystem: "npm", layer: "l", path: "p" } as Package];
    expect(matchPackages(pkgs, store, { ignore: ["CVE-2019-10744"] }).map((f) => f.id)).toEqual(["DSA-1"]);
    expect(matchPackages(pkgs, store, { ignore: ["DSA-1"] }).map((f) => f.id)).toEqual(["GHSA-x"]);
    const bash = deb("bash", "5.0-4");
    expect(matchPackages([bash], store).map((f) => [f.id, f.fixedVersion])).toEqual([["DSA-3", undefined]]);
    expect(matchPackages([bash], store, { onlyFixed: true })).toEqual([]);
  });
});
