import { describe, expect, it } from "vitest";
import { RegopsError } from "../../src/errors.js";
import { checkTagWrite, needsExistingDigest, tagKind, tagPolicySchema } from "../../src/registry/tag-policy.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

function refusal(fn: () => unknown): RegopsError | undefined {
  try {
    fn();
  } catch (err) {
    return err as RegopsError;
  }
  return undefined;
}

describe("tag kinds", () => {
  it.each([
    ["latest", "latest"],
    ["1.2.3", "semver"],
    ["v1.2.3", "semver"],
    ["1.27.3-alpine", "semver"],
    ["2.0.0-rc.1+build.5", "semver"],
    ["3f2c1ab", "commit-sha"],
    ["sha-3f2c1ab", "commit-sha"],
    ["3f2c1ab9d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4", "commit-sha"],
    ["1234567", "other"], // all digits: a build number as likely as a SHA
    ["1.27", "other"],
    ["stable", "other"],
    ["Latest", "other"],
    ["v1", "other"],
    ["3F2C1AB", "other"], // git writes SHAs in lower case
  ])("%s is %s", (tag, kind) => {
    expect(tagKind(tag)).toBe(kind);
  });
});

describe("tag policy", () => {
  const policy = (p: unknown) => tagPolicySchema.parse(p);

  it("when nothing is configured, then every write is allowed without warnings", () => {
    expect(checkTagWrite(policy({}), "r/a:latest", "latest", D1, D2)).toEqual([]);
    expect(needsExistingDigest(policy({}), "1.2.3")).toBe(false);
  });

  it("when latest is warn, then writing it warns; refuse throws TAG_POLICY", () => {
    expect(checkTagWrite(policy({ latest: "warn" }), "r/a:latest", "latest", undefined, D1)[0]).toMatch(/latest/);
    expect(refusal(() => checkTagWrite(policy({ latest: "refuse" }), "r/a:latest", "latest", undefined, D1))?.code).toBe("TAG_POLICY");
    expect(checkTagWrite(policy({ latest: "refuse" }), "r/a:v1", "v1", undefined, D1)).toEqual([]);
  });

  it("when semver tags are immutable, then creating one is fine, moving one is refused, rewriting the same digest is fine", () => {
    const p = policy({ immutable: ["semver"] });
    expect(needsExistingDigest(p, "1.2.3")).toBe(true);
    expect(needsExistingDigest(p, "latest")).toBe(false);
    expect(checkTagWrite(p, "r/a:1.2.3", "1.2.3", undefined, D1)).toEqual([]);
    expect(checkTagWrite(p, "r/a:1.2.3", "1.2.3", D1, D1)).toEqual([]);
    const e = refusal(() => checkTagWrite(p, "r/a:1.2.3", "1.2.3", D1, D2));
    expect([e?.code, e?.status, e?.retryable]).toEqual(["TAG_POLICY", 409, false]);
    // a digest not known in advance (filtered index, daemon push) cannot be proven equal
    expect(refusal(() => checkTagWrite(p, "r/a:1.2.3", "1.2.3", D1, undefined))?.code).toBe("TAG_POLICY");
    expect(checkTagWrite(p, "r/a:main", "main", D1, D2)).toEqual([]);
  });

  it("when a rule is a regular expression, then it matches the whole tag", () => {
    const p = policy({ immutable: ["release-.*"] });
    expect(refusal(() => checkTagWrite(p, "r/a:release-7", "release-7", D1, D2))?.code).toBe("TAG_POLICY");
    expect(checkTagWrite(p, "r/a:pre-release-7", "pre-release-7", D1, D2)).toEqual([]);
  });

  it("when a rule is neither a kind nor a valid expression, then the schema names it", () => {
    const r = tagPolicySchema.safeParse({ immutable: ["semver", "(["] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["immutable", 1]);
  });

  it("when a rule is written in RE2 syntax, then its flags apply and it still matches the whole tag", () => {
    const p = policy({ immutable: ["(?i)RELEASE-[0-9]+"] });
    expect(refusal(() => checkTagWrite(p, "r/a:release-7", "release-7", D1, D2))?.code).toBe("TAG_POLICY");
    expect(checkTagWrite(p, "r/a:release-7-rc", "release-7-rc", D1, D2)).toEqual([]);
  });

  it("when a stored rule is not RE2 (saved before RE2 was required), then moving any tag fails closed with TAG_POLICY", () => {
    const stored = { latest: "allow" as const, immutable: ["(?=v)v.*"] }; // as read back, not through the schema
    expect(needsExistingDigest(stored, "x1")).toBe(true);
    const e = refusal(() => checkTagWrite(stored, "r/a:x1", "x1", D1, D2));
    expect([e?.code, e?.message]).toEqual(["TAG_POLICY", expect.stringMatching(/tagPolicy\.immutable rule "\(\?=v\)v\.\*" is not RE2 syntax/)]);
    expect(checkTagWrite(stored, "r/a:x1", "x1", undefined, D2)).toEqual([]); // creating a tag moves nothing
  });
});
