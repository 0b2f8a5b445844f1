// retention: plan which tags of a repository go by the rules (the job's, else the config
// file's rule for the repository); with dryRun keep the plan (the job's result) and delete
// nothing; with apply: <plan job id> delete what that plan listed; without either, plan and
// apply at once (what a schedule runs).
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import { planRecord } from "../jobs/plan-record.js";
import type { RetentionSpec } from "../jobs/specs/index.js";
import { withDefaultTag, type Reference } from "../registry/reference.js";
import { rulesForJob } from "./config.js";
import { applyPlan, makePlan, planOf, type RetentionApplied, type RetentionPlan } from "./job.js";

export async function runRetention(
  ref: Reference,
  spec: RetentionSpec,
  ctx: JobContext,
  deps: Pick<WorkerDeps, "config" | "registries" | "jobs">,
): Promise<RetentionPlan | RetentionApplied> {
  const now = new Date();
  const repo = { domain: ref.domain, path: ref.path };
  const repository = `${ref.domain}/${ref.path}`;
  const remote = deps.registries.forReference(withDefaultTag(ref));
  const progress = (done: number, total: number) => ctx.progress({ phase: "deleting", done, total });
  if (spec.apply !== undefined) {
    const plan = planOf(await planRecord(deps.jobs, spec.apply), spec.apply, repository, now);
    const outcome = await applyPlan(remote, repo, plan, { signal: ctx.signal, onProgress: progress });
    ctx.log.info({ repository, deleted: outcome.deleted.length, skipped: outcome.skipped.length }, "retention plan applied");
    return { mode: "apply", ...outcome };
  }
  ctx.progress({ phase: "planning" });
  const { rules, rulesFrom } = rulesForJob(spec, repository, deps.config.retention);
  const plan = await makePlan(remote, repo, { planId: ctx.id, repository, rules, rulesFrom, now, signal: ctx.signal });
  if (spec.dryRun) return plan;
  const outcome = await applyPlan(remote, repo, plan, { signal: ctx.signal, onProgress: progress });
  return { mode: "retention", ...outcome };
}
