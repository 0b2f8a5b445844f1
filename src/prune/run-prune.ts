// prune: plan what `docker <target> prune` would remove on one host; with dryRun keep the plan
// (the job's result) and delete nothing; with apply: <plan job id> delete exactly what that
// plan listed; without either, plan and apply at once, as the docker CLI does.
import { RegopsError } from "../src/errors.js";
import type { PruneSpec } from "../src/jobs/specs.js";
import { applyPlan } from "../src/prune/apply.js";
import { makePlan, planOf, type PruneApplied, type PrunePlan } from "../src/prune/job.js";
import type { JobContext, WorkerDeps } from "../src/jobs/context.js";

function defaultHost(deps: WorkerDeps): string {
  const first = deps.hosts.ids()[0];
  if (!first) throw new RegopsError("HOST_NOT_CONFIGURED", "no Docker host is configured");
  return first;
}

export async function processPrune(spec: PruneSpec, ctx: JobContext, deps: WorkerDeps): Promise<PrunePlan | PruneApplied> {
  const now = new Date();
  if (spec.apply !== undefined) {
    const record = await deps.jobs.get(spec.apply).catch((err: unknown) => {
      if (err instanceof RegopsError && err.code === "NOT_FOUND") return undefined;
      throw err;
    });
    const plan = planOf(record, spec.apply, spec.host, now);
    ctx.progress({ phase: "applying", done: 0, total: plan.items.length });
    const outcome = await applyPlan(deps.hosts.get(plan.host), plan.host, plan.items, {
      signal: ctx.signal,
      onProgress: (done, total) => ctx.progress({ phase: "applying", done, total }),
    });
    return { mode: "apply", planId: plan.planId, host: plan.host, ...outcome };
  }
  const host = spec.host ?? defaultHost(deps);
  const docker = deps.hosts.get(host);
  ctx.progress({ phase: "planning" });
  const plan = await makePlan(docker, {
    planId: ctx.id,
    host,
    target: spec.target ?? "images",
    all: spec.all ?? false,
    filters: spec.filters ?? {},
    now,
    images: deps.images,
    signal: ctx.signal,
  });
  if (spec.dryRun) return plan;
  const outcome = await applyPlan(docker, host, plan.items, {
    signal: ctx.signal,
    onProgress: (done, total) => ctx.progress({ phase: "applying", done, total }),
  });
  return { mode: "prune", planId: plan.planId, host, ...outcome };
}
