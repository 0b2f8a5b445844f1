import { describe, expect, it } from "vitest";
import { jobSpec } from "../../src/jobs/specs/index.js";
import { platformMatches } from "../../src/registry/copy.js";
import { backupTag } from "../../src/retag/target.js";

describe("retag planning", () => {
  it("when a platform filter names os/arch, then any variant matches; os/arch/variant matches only that", () => {
    expect(platformMatches("linux/arm64", { os: "linux", architecture: "arm64", variant: "v8" })).toBe(true);
    expect(platformMatches("linux/arm64/v8", { os: "linux", architecture: "arm64", variant: "v8" })).toBe(true);
    expect(platformMatches("linux/arm/v7", { os: "linux", architecture: "arm", variant: "v6" })).toBe(false);
    expect(platformMatches("linux/amd64", { os: "unknown", architecture: "unknown" })).toBe(false);
  });

  it("when a backup tag is made, then it carries the UTC time and stays within 128 characters", () => {
    const at = new Date(Date.UTC(2026, 10, 27, 20, 1, 2, 345));
    expect(backupTag("v1", at)).toBe("v1-backup-20261127T200102Z");
    const long = backupTag("t".repeat(128), at);
    expect(long).toHaveLength(128);
    expect(long.endsWith("-backup-20261127T200102Z")).toBe(true);
  });

  it("when a retag spec is parsed, then targets need tags and platforms the os/arch form", () => {
    expect(jobSpec.parse({ type: "retag", source: "nginx:1.27", targets: ["r.example.com/x/nginx:1.27"] })).toMatchObject({ overwrite: "allow" });
    const bad = jobSpec.safeParse({
      type: "retag",
      source: "nginx:1.27",
      targets: ["r.example.com/x/nginx@sha256:" + "a".repeat(64)],
      platforms: ["amd64"],
      overwrite: "maybe",
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join(".")).sort()).toEqual(["overwrite", "platforms.0", "targets.0"]);
  });
});
