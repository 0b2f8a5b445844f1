import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/config.js";
import { configuredRules, rulesForJob } from "../../src/retention/config.js";
import { guardShared, planRetention, type TagInfo } from "../../src/retention/rules.js";

const now = new Date("2026-01-31T00:00:00Z");
const day = (d: number) => new Date(Date.parse("2026-01-01T00:00:00Z") + d * 86_400_000).toISOString();
const img = (tag: string, digest: string, created?: string, children: string[] = []): TagInfo => ({
  tag, digest, mediaType: "application/vnd.oci.image.manifest.v1+json", children, ...(created ? { created } : {}),
});
const actions = (entries: { tag: string; action: string }[]) => Object.fromEntries(entries.map((e) => [e.tag, e.action]));

describe("retention plans", () => {
  const tags = [img("v1.0.0", "sha256:a", day(1)), img("b1", "sha256:b", day(2)), img("b2", "sha256:c", day(10)), img("b3", "sha256:d", day(29)), img("release-7", "sha256:e", day(3))];

  it("keeps the newest N by image creation time, and deletes the rest", () => {
    expect(actions(planRetention(tags, { keepNewest: 2 }, now))).toEqual({ b3: "keep", b2: "keep", "release-7": "delete", b1: "delete", "v1.0.0": "delete" });
  });

  it("keeps tag kinds and patterns over the whole tag", () => {
    const plan = planRetention(tags, { keepNewest: 1, keepTags: ["semver", "release-.*", "b"] }, now);
    expect(actions(plan)).toEqual({ b3: "keep", b2: "delete", "release-7": "keep", b1: "delete", "v1.0.0": "keep" });
    expect(plan.find((e) => e.tag === "release-7")!.reason).toBe('matches keepTags "release-.*"');
  });

  it("deletes only what is older than olderThan", () => {
    const plan = planRetention(tags, { olderThan: "456h" }, now); // 19 days: before 2026-01-12
    expect(actions(plan)).toEqual({ b3: "keep", b2: "delete", "release-7": "delete", b1: "delete", "v1.0.0": "delete" });
    expect(plan.find((e) => e.tag === "b3")!.reason).toBe("not older than 456h");
    expect(actions(planRetention(tags, { olderThan: "456h", keepNewest: 2 }, now))).toMatchObject({ b2: "keep", b1: "delete" });
  });

  it("never deletes a tag whose image has no creation time", () => {
    const plan = planRetention([...tags, img("mystery", "sha256:f")], { keepNewest: 0 }, now);
    expect(plan.find((e) => e.tag === "mystery")).toMatchObject({ action: "keep", reason: "its image has no creation time" });
  });

  it("skips a deletion whose digest a kept tag shares, whichever way the tie breaks", () => {
    const twins = [...tags, img("a-alias", "sha256:d", day(29))];
    const plan = planRetention(twins, { keepNewest: 1 }, now);
    expect(plan.find((e) => e.tag === "b3")!.action).toBe("keep");
    expect(plan.find((e) => e.tag === "a-alias")).toMatchObject({ action: "skip", reason: "digest shared with kept tag b3" });
    // Two tags on one digest that both go: one DELETE takes both, nothing stays behind.
    const both = planRetention([...tags, img("b1-copy", "sha256:b", day(2))], { keepNewest: 1 }, now);
    expect(actions(both)).toMatchObject({ b1: "delete", "b1-copy": "delete" });
  });

  it("skips a platform manifest of a kept index, and what a skipped index lists", () => {
    const current = [
      img("multi", "sha256:idx", day(20), ["sha256:amd", "sha256:arm"]),
      img("old-amd", "sha256:amd", day(1)),
      img("old-multi", "sha256:idx2", day(1), ["sha256:arm2"]),
      img("old-arm2", "sha256:arm2", day(0)),
    ];
    const guarded = guardShared(
      [
        { tag: "multi", digest: "sha256:idx", action: "keep", reason: "" },
        { tag: "old-amd", digest: "sha256:amd", action: "delete", reason: "" },
        { tag: "old-multi", digest: "sha256:idx2", action: "skip", reason: "pinned" },
        { tag: "old-arm2", digest: "sha256:arm2", action: "delete", reason: "" },
      ],
      current,
    );
    expect(guarded.map((e) => [e.tag, e.action, e.reason])).toEqual([
      ["multi", "keep", ""],
      ["old-amd", "skip", "digest is a manifest of kept index tag multi"],
      ["old-multi", "skip", "pinned"],
      ["old-arm2", "skip", "digest is a manifest of kept index tag old-multi"],
    ]);
  });
  it("when a keepTags rule is not RE2 (a schedule saved before RE2 was required), then planning fails with BAD_REQUEST naming the rule", () => {
    let err: unknown;
    try {
      planRetention(tags, { keepTags: ["semver", "(?!b)\\w+"] }, now);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining('keepTags rule "(?!b)\\w+" is not RE2 syntax'), fields: [{ field: "keepTags" }] });
  });
});

describe("retention rules in the config file", () => {
  it("picks the first rule whose repository glob matches", () => {
    const config = buildConfig(
      {},
      `retention:\n  - { repositories: "r.example.com/team/*", keepNewest: 5 }\n  - { repositories: "*", olderThan: 720h, keepTags: [semver] }\n`,
    );
    expect(configuredRules(config.retention, "r.example.com/team/app")).toEqual({ rules: { keepNewest: 5 }, pattern: "r.example.com/team/*" });
    expect(configuredRules(config.retention, "r.example.com/other/app")?.rules).toEqual({ olderThan: "720h", keepTags: ["semver"] });
    expect(() => buildConfig({}, `retention:\n  - { repositories: "x/*" }\n`)).toThrow(/at least one of keepNewest/);
  });
  it("when a job gives rules of its own, then they win over the config file's; without either, BAD_REQUEST naming keepNewest", () => {
    const config = buildConfig({}, `retention:\n  - { repositories: "r.example.com/team/*", keepNewest: 5 }\n`);
    expect(rulesForJob({ olderThan: "48h" }, "r.example.com/team/app", config.retention)).toEqual({ rules: { olderThan: "48h" }, rulesFrom: "job" });
    expect(rulesForJob({}, "r.example.com/team/app", config.retention)).toEqual({ rules: { keepNewest: 5 }, rulesFrom: "config: r.example.com/team/*" });
    expect(() => rulesForJob({}, "r.example.com/other/app", config.retention)).toThrow(
      expect.objectContaining({ code: "BAD_REQUEST", fields: [expect.objectContaining({ field: "keepNewest" })] }),
    );
  });
});
