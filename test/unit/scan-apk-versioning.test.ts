// An Alpine image is matched in the order its own apk uses: apk-tools 3 compares a dot
// component with a leading zero as text (8.2.0 < 8.2.001), apk-tools 2 does not (NOTES:
// "match the apk major version of the scanned release"). The database names its apk-tools.
import { describe, expect, it } from "vitest";
import { parseApkInstalled } from "../../src/scan/analyzers/apk.js";
import { matchPackages } from "../../src/scan/match/index.js";
import { OsvStore } from "../../src/scan/osv/index.js";

const advisory = {
  id: "ALPINE-TEST-1",
  modified: "2026-01-01T00:00:00Z",
  affected: [{ package: { ecosystem: "Alpine:v3.23", name: "foo" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "8.2.0" }] }] }],
};
const store = OsvStore.fromRecords([advisory as never]);

function installed(apkTools: string): string {
  return [`P:apk-tools\nV:${apkTools}\no:apk-tools`, "P:foo\nV:8.2.001\no:foo", ""].join("\n\n");
}

describe("apk version order by the image's apk-tools", () => {
  it("when the image's apk-tools is 3.x, then foo 8.2.001 is past the fix 8.2.0 (apk 3 order)", () => {
    const packages = parseApkInstalled(installed("3.0.3-r1"), "Alpine:v3.23", "sha256:l", "lib/apk/db/installed");
    expect(packages.map((p) => p.versioning)).toEqual(["apk3", "apk3"]);
    expect(matchPackages(packages, store)).toEqual([]);
  });

  it("when the image's apk-tools is 2.x, then foo 8.2.001 is before the fix (apk 2 order), as before", () => {
    const packages = parseApkInstalled(installed("2.14.6-r3"), "Alpine:v3.23", "sha256:l", "lib/apk/db/installed");
    expect(packages.map((p) => p.versioning)).toEqual([undefined, undefined]);
    expect(matchPackages(packages, store).map((f) => [f.id, f.package, f.fixedVersion])).toEqual([["ALPINE-TEST-1", "foo", "8.2.0"]]);
  });
});
