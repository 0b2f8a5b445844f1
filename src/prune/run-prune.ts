// prune: plan what `docker <target> prune` would remove on one host; with dryRun keep the plan
// (the job's result) and delete nothing; with apply: <plan job id> delete exactly what that
// plan listed; without either, plan and apply at once, as the docker CLI does.
import { RegopsError } from "../errors.js";
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import { planRecord } from "../jobs/plan-record.js";
import type { PruneSpec } from "../jobs/specs/index.js";
import { applyPlan } from "./apply.js";
import { makePlan, planOf, type PruneApplied, type PrunePlan } from "./job.js";

function defaultHost(deps: Pick<WorkerDeps, "hosts">): string {
  const first = deps.hosts.ids()[0];
  if (!first) throw new RegopsError("HOST_NOT_CONFIGURED", "no Docker host is configured");
  return first;
}

export async function runPrune(spec: PruneSpec, ctx: JobContext, deps: Pick<WorkerDeps, "hosts" | "images" | "jobs">): Promise<PrunePlan | PruneApplied> {
  const now = new Date();
  const onProgress = (done: number, total: number) => ctx.progress({ phase: "applying", done, total });
  if (spec.apply !== undefined) {
    const plan = planOf(await planRecord(deps.jobs, spec.apply), spec.apply, spec.host, now);
    ctx.progress({ phase: "applying", done: 0, total: plan.items.length });
    const outcome = await applyPlan(deps.hosts.get(plan.host), plan.host, plan.items, { signal: ctx.signal, onProgress });
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
  const outcome = await applyPlan(docker, host, plan.items, { signal: ctx.signal, onProgress });
  return { mode: "prune", planId: plan.planId, host, ...outcome };
}
