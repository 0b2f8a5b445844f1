// Retention rules and the pure planning step: which tags of a repository go, which stay, and
// why. A tag is kept when a keep rule names it (one of the newest N, a tag kind or pattern) or
// when it is not old enough; every other tag is planned for deletion. Then the guard: a
// registry deletes a manifest by digest, taking every tag on that digest with it, so a tag
// whose digest a kept tag shares (or which is a platform manifest of a kept index) is skipped.
import { z } from "zod";
import { RegopsError } from "../errors.js";
import { PatternError } from "../patterns/re2.js";
import { parseGoDuration } from "../prune/until.js";
import { MAX_TAG_RULES, tagRuleMatcher, tagRuleSchema } from "../registry/tag-policy.js";

/** A Go duration of at least a second (`720h`, `90m`). */
export const olderThanRule = z
  .string()
  .max(32)
  .refine((v) => (parseGoDuration(v) ?? -1) >= 1000, "must be a Go duration of at least 1s, such as 720h");

export const retentionRuleFields = {
  keepNewest: z.number().int().min(0).max(10_000).optional().meta({ description: "Keep the N tags with the newest images (image config `created`)" }),
  keepTags: z
    .array(tagRuleSchema)
    .max(MAX_TAG_RULES)
    .optional()
    .meta({ description: "Keep tags of these kinds (semver, commit-sha, latest) or matching these regular expressions (RE2 syntax, whole tag), e.g. release-.*" }),
  olderThan: olderThanRule.optional().meta({ description: "Delete only tags whose image is older than this Go duration, e.g. 720h" }),
};

export interface RetentionRules {
  keepNewest?: number;
  keepTags?: string[];
  olderThan?: string;
}

/** What planning knows of a tag: its digest, its image's creation time, and an index's children. */
export interface TagInfo {
  tag: string;
  digest: string;
  mediaType: string;
  /** From the image config (an index: its first platform's); registries keep no push time. */
  created?: string;
  /** An index's manifests (platforms and attestations). */
  children: string[];
}

export interface PlanEntry {
  tag: string;
  digest: string;
  created?: string;
  action: "keep" | "delete" | "skip";
  reason: string;
}

/** The keepTags matcher; a rule stored before RE2 was required (a schedule's job) fails the job, naming it. */
function keepTagsMatcher(keepTags: readonly string[]): (tag: string) => string | undefined {
  try {
    return tagRuleMatcher(keepTags);
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    throw new RegopsError("BAD_REQUEST", `keepTags rule ${err.message}`, { fields: [{ field: "keepTags", message: err.message }] });
  }
}

/** Newest image first; equal or unknown times by tag name, so a plan is the same every time. */
function byAge(a: TagInfo, b: TagInfo): number {
  const ta = a.created ? Date.parse(a.created) : -Infinity;
  const tb = b.created ? Date.parse(b.created) : -Infinity;
  return ta !== tb ? tb - ta : b.tag.localeCompare(a.tag);
}

/** Plans every tag: keep, delete, or (after the guard) skip, each with its reason. */
export function planRetention(tags: readonly TagInfo[], rules: RetentionRules, now: Date): PlanEntry[] {
  const sorted = [...tags].sort(byAge);
  const keepRule = keepTagsMatcher(rules.keepTags ?? []);
  const cutoff = rules.olderThan !== undefined ? now.getTime() - parseGoDuration(rules.olderThan)! : undefined;
  const entries = sorted.map((t, rank): PlanEntry => {
    const base = { tag: t.tag, digest: t.digest, ...(t.created ? { created: t.created } : {}) };
    const created = t.created ? Date.parse(t.created) : NaN;
    if (rules.keepNewest !== undefined && rank < rules.keepNewest && !Number.isNaN(created)) {
      return { ...base, action: "keep", reason: `one of the newest ${rules.keepNewest}` };
    }
    const rule = keepRule(t.tag);
    if (rule) return { ...base, action: "keep", reason: `matches keepTags "${rule}"` };
    // Without a creation time, age rules cannot say anything: never delete on a guess.
    if (Number.isNaN(created)) return { ...base, action: "keep", reason: "its image has no creation time" };
    if (cutoff !== undefined && created >= cutoff) return { ...base, action: "keep", reason: `not older than ${rules.olderThan}` };
    const why = [
      ...(rules.keepNewest !== undefined ? [`not one of the newest ${rules.keepNewest}`] : []),
      ...(cutoff !== undefined ? [`older than ${rules.olderThan}`] : []),
      ...(rules.keepTags?.length ? ["matches no keepTags rule"] : []),
    ];
    return { ...base, action: "delete", reason: why.join(", ") };
  });
  return guardShared(entries, tags);
}

/**
 * Turns a planned deletion into a skip when deleting its digest would take a tag that stays:
 * another tag on the same digest that is not deleted, or a kept index that lists the digest.
 * `current` is what the registry holds (at plan time, or re-read at apply time).
 */
export function guardShared(entries: readonly PlanEntry[], current: readonly TagInfo[]): PlanEntry[] {
  let out = [...entries];
  // A skipped index stays, and so must what it lists: repeat until nothing more is skipped.
  for (;;) {
    const deleting = new Set(out.filter((e) => e.action === "delete").map((e) => e.tag));
    const staying = current.filter((t) => !deleting.has(t.tag));
    let changed = false;
    out = out.map((e) => {
      if (e.action !== "delete") return e;
      const twin = staying.find((t) => t.digest === e.digest);
      const parent = twin ? undefined : staying.find((t) => t.children.includes(e.digest));
      if (!twin && !parent) return e;
      changed = true;
      const reason = twin ? `digest shared with kept tag ${twin.tag}` : `digest is a manifest of kept index tag ${parent!.tag}`;
      return { ...e, action: "skip", reason };
    });
    if (!changed) return out;
  }
}
