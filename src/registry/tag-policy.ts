// What a tag is, and what a registry's policy lets regops write to it. The seed's advice:
// deploy by semver or commit-SHA tags, never by `latest`. A registry's `tagPolicy` can warn
// on or refuse `latest`, and make tags immutable by kind (semver, commit-sha) or pattern,
// as Harbor's immutability rules do: an immutable tag may be created, never moved.
import semver from "semver";
import { z } from "zod";
import { RegopsError } from "../errors.js";
import { compileRegex, MAX_PATTERN_LENGTH, PatternError, regexProblem, type TagPattern } from "../patterns/re2.js";

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

function isKind(rule: string): rule is TagKind {
  return (TAG_KINDS as readonly string[]).includes(rule);
}

/**
 * A tag rule (retention `keepTags`, `tagPolicy.immutable`): a tag kind, or a regular expression
 * in RE2 syntax matched against the whole tag (src/patterns/re2.ts: linear time, no
 * backreferences or lookaround).
 */
export const tagRuleSchema = z
  .string()
  .min(1)
  .max(MAX_PATTERN_LENGTH)
  .superRefine((rule, ctx) => {
    if (isKind(rule)) return;
    const problem = regexProblem(rule);
    if (problem) ctx.addIssue({ code: "custom", message: `must be one of ${TAG_KINDS.join(", ")} or an RE2 regular expression: it ${problem}` });
  });

/** Rules in one list (`keepTags`, `immutable`), at most: each is tried against every tag. */
export const MAX_TAG_RULES = 50;

/** Compiles one rule's regular expression; its PatternError names the rule. */
function compileRule(rule: string): TagPattern {
  try {
    return compileRegex(rule);
  } catch (err) {
    throw err instanceof PatternError ? new PatternError(`"${rule}" ${err.message}`) : err;
  }
}

/**
 * The first rule that `tag` meets, compiled once for a whole list of tags. A rule that no longer
 * compiles (stored before RE2 syntax was required) throws PatternError: callers fail closed.
 */
export function tagRuleMatcher(rules: readonly string[]): (tag: string) => string | undefined {
  const tests = rules.map((rule): ((tag: string, kind: () => TagKind) => boolean) => {
    if (isKind(rule)) return (_tag, kind) => kind() === rule;
    const pattern = compileRule(rule);
    return (tag) => pattern.test(tag);
  });
  return (tag) => {
    let kind: TagKind | undefined; // parsing semver costs more than most patterns: only when a kind rule asks
    const kindOf = () => (kind ??= tagKind(tag));
    return rules.find((_rule, i) => tests[i]!(tag, kindOf));
  };
}

export const tagPolicySchema = z
  .strictObject({
    latest: z
      .enum(["allow", "warn", "refuse"])
      .default("allow")
      .meta({ description: "Writing the `latest` tag: allow it, allow it with a warning in the job result, or refuse with TAG_POLICY" }),
    immutable: z
      .array(tagRuleSchema)
      .max(MAX_TAG_RULES)
      .default([])
      .meta({ description: "Tags that may be created but never moved: tag kinds (semver, commit-sha, latest) or regular expressions (RE2 syntax) matched against the whole tag" }),
  })
  .meta({ id: "TagPolicy" });

export type TagPolicy = z.infer<typeof tagPolicySchema>;
export const DEFAULT_TAG_POLICY: TagPolicy = { latest: "allow", immutable: [] };

function isImmutable(target: string, policy: TagPolicy, tag: string): string | undefined {
  try {
    return tagRuleMatcher(policy.immutable)(tag);
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    // Fail closed: a rule that cannot be read might have protected this tag.
    throw new RegopsError("TAG_POLICY", `${target}: this registry's tagPolicy.immutable rule ${err.message}`, {
      hint: "rewrite the rule in RE2 syntax (PUT /v1/registries/{id} or the config file)",
    });
  }
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
  const rule = existingDigest && existingDigest !== newDigest ? isImmutable(target, policy, tag) : undefined;
  if (rule) {
    throw new RegopsError("TAG_POLICY", `${target} is immutable (rule "${rule}") and already points at ${existingDigest}`);
  }
  return warnings;
}

/** Whether any rule could forbid moving this tag: then the current digest has to be looked up first. */
export function needsExistingDigest(policy: TagPolicy, tag: string): boolean {
  try {
    return tagRuleMatcher(policy.immutable)(tag) !== undefined;
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    return true; // checkTagWrite refuses the move, naming the rule's problem
  }
}
