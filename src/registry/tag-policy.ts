// What a tag is, and what a registry's policy lets regops write to it. The seed's advice:
// deploy by semver or commit-SHA tags, never by `latest`. A registry's `tagPolicy` can warn
// on or refuse `latest`, and make tags immutable by kind (semver, commit-sha) or pattern,
// as Harbor's immutability rules do: an immutable tag may be created, never moved.
import semver from "semver";
import { z } from "zod";
import { RegopsError } from "../errors.js";

export const TAG_KINDS = ["latest", "semver", "commit-sha", "other"] as const;
export type TagKind = (typeof TAG_KINDS)[number];

// Git's short SHA is 7+ hex digits; docker/metadata-action writes `sha-<short>`.
const COMMIT_SHA = /^(?:sha-)?[0-9a-f]{7,40}$/;

export function tagKind(tag: string): TagKind {
  if (tag === "latest") return "latest";
  // `v1.2.3` is how most projects tag releases; semver itself has no `v`.
  if (semver.valid(tag.replace(/^v(?=\d)/, "")) !== null) return "semver";
  // Checked after semver: an all-digit tag like 1234567 is more likely a build number than a
  // SHA, but both read the same; a SHA needs at least one letter to be told apart.
  if (COMMIT_SHA.test(tag) && /[a-f]/.test(tag)) return "commit-sha";
  return "other";
}

/** An immutability rule: a tag kind, or a regular expression over the whole tag. */
const immutableRule = z.string().min(1).superRefine((rule, ctx) => {
  if ((TAG_KINDS as readonly string[]).includes(rule)) return;
  try {
    new RegExp(`^(?:${rule})$`);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `must be one of ${TAG_KINDS.join(", ")} or a regular expression: ${(err as Error).message}` });
  }
});

export const tagPolicySchema = z
  .strictObject({
    latest: z
      .enum(["allow", "warn", "refuse"])
      .default("allow")
      .meta({ description: "Writing the `latest` tag: allow it, allow it with a warning in the job result, or refuse with TAG_POLICY" }),
    immutable: z
      .array(immutableRule)
      .default([])
      .meta({ description: "Tags that may be created but never moved: tag kinds (semver, commit-sha, latest) or regular expressions matched against the whole tag" }),
  })
  .meta({ id: "TagPolicy" });

export type TagPolicy = z.infer<typeof tagPolicySchema>;
export const DEFAULT_TAG_POLICY: TagPolicy = { latest: "allow", immutable: [] };

function isImmutable(policy: TagPolicy, tag: string, kind: TagKind): string | undefined {
  return policy.immutable.find((rule) => rule === kind || (!(TAG_KINDS as readonly string[]).includes(rule) && new RegExp(`^(?:${rule})$`).test(tag)));
}

/**
 * Checks a write of `tag` (currently at `existingDigest`, if any) to `newDigest`.
 * Returns warnings to report; throws TAG_POLICY when the policy forbids the write.
 */
export function checkTagWrite(
  policy: TagPolicy,
  target: string,
  tag: string,
  existingDigest: string | undefined,
  newDigest: string | undefined,
): string[] {
  const kind = tagKind(tag);
  const warnings: string[] = [];
  if (kind === "latest" && policy.latest === "refuse") {
    throw new RegopsError("TAG_POLICY", `${target}: this registry's tag policy refuses writing "latest"`);
  }
  if (kind === "latest" && policy.latest === "warn") {
    warnings.push(`${target}: "latest" moves under every push; deploy by a semver or commit-SHA tag instead`);
  }
  const rule = existingDigest && existingDigest !== newDigest ? isImmutable(policy, tag, kind) : undefined;
  if (rule) {
    throw new RegopsError("TAG_POLICY", `${target} is immutable (rule "${rule}") and already points at ${existingDigest}`);
  }
  return warnings;
}

/** Whether any rule could forbid moving this tag: then the current digest has to be looked up first. */
export function needsExistingDigest(policy: TagPolicy, tag: string): boolean {
  return isImmutable(policy, tag, tagKind(tag)) !== undefined;
}
