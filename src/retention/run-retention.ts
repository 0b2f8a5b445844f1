// retention: plan which tags of a repository go by the rules (the job's, else the config
// file's rule for the repository); with dryRun keep the plan (the job's result) and delete
// nothing; with apply: <plan job id> delete what that plan listed; without either, plan and
// apply at once (what a schedule runs).
import { RegopsError } from "../src/errors.js";
import type { RetentionSpec } from "../src/jobs/specs.js";
import { parseReference, withDefaultTag } from "../src/registry/reference.js";
import { configuredRules } from "../src/retention/config.js";
import { applyPlan, makePlan, planOf, type RetentionApplied, type RetentionPlan } from "../src/retention/job.js";
import type { RetentionRules } from "../src/retention/rules.js";
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";

function rulesFor(spec: RetentionSpec, repository: string, deps: WorkerDeps): { rules: RetentionRules; rulesFrom: string } {
  const own = { keepNewest: spec.keepNewest, keepTags: spec.keepTags, olderThan: spec.olderThan };
  if (Object.values(own).some((v) => v !== undefined)) {
    return { rules: Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) as RetentionRules, rulesFrom: "job" };
  }
  const configured = configuredRules(deps.config.retention, repository);
  if (!configured) {
    throw new RegopsError("BAD_REQUEST", `no retention rules for ${repository}`, {
      hint: "give keepNewest, keepTags or olderThan, or add a `retention` rule matching this repository to the config file",
      fields: [{ field: "keepNewest", message: "give at least one of keepNewest, keepTags, olderThan" }],
    });
  }
  return { rules: configured.rules, rulesFrom: `config: ${configured.pattern}` };
}

export async function processRetention(spec: RetentionSpec, ctx: JobContext, deps: WorkerDeps): Promise<RetentionPlan | RetentionApplied> {
  const now = new Date();
  const ref = parseReference(spec.repository);
  const repo = { domain: ref.domain, path: ref.path };
  const repository = `${ref.domain}/${ref.path}`;
  const remote = deps.registries.forReference(withDefaultTag(ref));
  const progress = (done: number, total: number) => ctx.progress({ phase: "deleting", done, total });
  if (spec.apply !== undefined) {
    const record = await deps.jobs.get(spec.apply).catch((err: unknown) => {
      if (err instanceof RegopsError && err.code === "NOT_FOUND") return undefined;
      throw err;
    });
    const plan = planOf(record, spec.apply, repository, now);
    const outcome = await applyPlan(remote, repo, plan, { signal: ctx.signal, onProgress: progress });
    ctx.log.info({ repository, deleted: outcome.deleted.length, skipped: outcome.skipped.length }, "retention plan applied");
    return { mode: "apply", ...outcome };
  }
  ctx.progress({ phase: "planning" });
  const { rules, rulesFrom } = rulesFor(spec, repository, deps);
  const plan = await makePlan(remote, repo, { planId: ctx.id, repository, rules, rulesFrom, now, signal: ctx.signal });
  if (spec.dryRun) return plan;
  const outcome = await applyPlan(remote, repo, plan, { signal: ctx.signal, onProgress: progress });
  return { mode: "retention", ...outcome };
}

