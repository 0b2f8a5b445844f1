// retag: tag a source image as one or more targets, by the registries (the default) or by a
// Docker host (`mode: "daemon"`); then, once every target is written, queue the `then` steps
// (a sign job per target).
import { queueFollowUps } from "../jobs/follow-ups.js";
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { RetagResult, RetagSpec } from "../jobs/specs/index.js";
import { retagViaDaemon } from "./daemon.js";
import { retagViaRegistry } from "./registry.js";

export async function retagImage(spec: RetagSpec, ctx: JobContext, deps: Pick<WorkerDeps, "registries" | "hosts" | "images" | "jobs" | "referrersLock">): Promise<RetagResult> {
  const result = spec.mode === "daemon" ? await retagViaDaemon(spec, ctx, deps) : await retagViaRegistry(spec, ctx, deps);
  if (spec.then?.length) result.then = await queueFollowUps(spec.then, spec.targets, ctx, deps.jobs);
  return result;
}
