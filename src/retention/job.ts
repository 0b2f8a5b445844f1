// A retention job's story: read the repository's tags, plan by the rules, and either keep the
// plan (dryRun) or apply it. A plan is the result of its dryRun job, so it lives in the job's
// durable record, and `apply: <job id>` finds it there. Applying deletes only what the plan
// listed, after checking again, against the registry as it is now, that each tag still points
// where it did and that no tag staying shares its digest.
import { RegopsError } from "../errors.js";
import type { Remote } from "../registry/remote.js";
import type { JobRecord } from "../store/jobs.js";
import { deleteManifest, readTags } from "./registry.js";
import { guardShared, planRetention, type PlanEntry, type RetentionRules } from "./rules.js";

export const PLAN_TTL_MS = 24 * 3600 * 1000;

const GC_HINT =
  "deleting manifests frees no storage until the registry's garbage collection runs: `registry garbage-collect --delete-untagged /etc/docker/registry/config.yml` (distribution, read-only or stopped), or the registry's own GC (Harbor, GitLab, Nexus tasks)";

type Repo = { domain: string; path: string };

export interface RetentionPlan {
  mode: "plan";
  planId: string;
  /** The repository, normalized (registry host/path). */
  repository: string;
  rules: RetentionRules;
  /** Where the rules came from: the job, or the config file's retention rule for this pattern. */
  rulesFrom: string;
  createdAt: string;
  expiresAt: string;
  tags: PlanEntry[];
  counts: { keep: number; delete: number; skip: number };
}

export interface RetentionApplied {
  mode: "apply" | "retention";
  planId: string;
  repository: string;
  deleted: { tag: string; digest: string }[];
  skipped: { tag: string; digest: string; reason: string }[];
  /** Manifests were deleted: their blobs stay in storage until the registry collects garbage. */
  garbageCollectionNeeded: boolean;
  hint?: string;
}

export async function makePlan(
  remote: Remote,
  repo: Repo,
  input: { planId: string; repository: string; rules: RetentionRules; rulesFrom: string; now: Date; signal?: AbortSignal },
): Promise<RetentionPlan> {
  const tags = await readTags(remote, repo, { created: true, signal: input.signal });
  const entries = planRetention(tags, input.rules, input.now);
  const counts = { keep: 0, delete: 0, skip: 0 };
  for (const e of entries) counts[e.action]++;
  return {
    mode: "plan",
    planId: input.planId,
    repository: input.repository,
    rules: input.rules,
    rulesFrom: input.rulesFrom,
    createdAt: input.now.toISOString(),
    expiresAt: new Date(input.now.getTime() + PLAN_TTL_MS).toISOString(),
    tags: entries,
    counts,
  };
}

/** The plan a dryRun job stored; PLAN_NOT_FOUND / PLAN_EXPIRED when it cannot be applied. */
export function planOf(record: JobRecord | undefined, planId: string, repository: string, now: Date): RetentionPlan {
  const plan = record?.result as RetentionPlan | undefined;
  const hint = "apply takes the id of a completed retention job with dryRun: true for the same repository; make a new plan";
  if (!record || record.type !== "retention" || record.state !== "completed" || plan?.mode !== "plan") {
    throw new RegopsError("PLAN_NOT_FOUND", `no retention plan ${planId}: it must be a completed retention job with dryRun: true`, { hint });
  }
  if (plan.repository !== repository) {
    throw new RegopsError("PLAN_NOT_FOUND", `plan ${planId} is for ${plan.repository}, not ${repository}`, { hint });
  }
  if (Date.parse(plan.expiresAt) < now.getTime()) {
    throw new RegopsError("PLAN_EXPIRED", `plan ${planId} expired at ${plan.expiresAt}`, { hint: "make a new plan (dryRun: true)" });
  }
  return plan;
}

/**
 * Deletes what the plan planned to delete, as the registry is now: a tag that moved or went
 * since the plan is skipped, and so is one whose digest a staying tag shares (a tag pushed
 * after the plan included). One DELETE per digest.
 */
export async function applyPlan(
  remote: Remote,
  repo: Repo,
  plan: RetentionPlan,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<Omit<RetentionApplied, "mode">> {
  const current = await readTags(remote, repo, { created: false, signal: opts.signal });
  const now = new Map(current.map((t) => [t.tag, t]));
  // What the plan already skipped stays skipped, with the plan's reason.
  const skipped: RetentionApplied["skipped"] = plan.tags.filter((e) => e.action === "skip").map((e) => ({ tag: e.tag, digest: e.digest, reason: e.reason }));
  const candidates: PlanEntry[] = [];
  for (const e of plan.tags) {
    if (e.action !== "delete") continue;
    const t = now.get(e.tag);
    if (!t) skipped.push({ tag: e.tag, digest: e.digest, reason: "already gone" });
    else if (t.digest !== e.digest) skipped.push({ tag: e.tag, digest: e.digest, reason: `moved to ${t.digest} since the plan` });
    else candidates.push(e);
  }
  const guarded = guardShared(candidates, current);
  for (const e of guarded) if (e.action === "skip") skipped.push({ tag: e.tag, digest: e.digest, reason: e.reason });
  const go = guarded.filter((e) => e.action === "delete");
  const digests = [...new Set(go.map((e) => e.digest))];
  const deleted: RetentionApplied["deleted"] = [];
  for (const [i, digest] of digests.entries()) {
    if (opts.signal?.aborted) break;
    await deleteManifest(remote, repo, digest, opts.signal);
    for (const e of go) if (e.digest === digest) deleted.push({ tag: e.tag, digest });
    opts.onProgress?.(i + 1, digests.length);
  }
  if (opts.signal?.aborted) throw new RegopsError("CANCELLED", `cancelled after deleting ${deleted.length} tag(s)`);
  const gc = deleted.length > 0;
  return { planId: plan.planId, repository: plan.repository, deleted, skipped, garbageCollectionNeeded: gc, ...(gc ? { hint: GC_HINT } : {}) };
}
