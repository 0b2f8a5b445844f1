// A prune job's story: read the host, plan, and either keep the plan (dryRun) or apply it.
// A plan is the result of its dryRun job, so it lives in the job's durable record, and
// `apply: <job id>` finds it there.
import type Docker from "dockerode";
import { RegopsError } from "../errors.js";
import type { JobRecord } from "../store/jobs.js";
import type { ImageStore } from "../store/images.js";
import { lastUse, readInventory } from "./inventory.js";
import { planPrune, volumesPruneAnonymousOnly, type PlanItem, type PruneFilters, type PruneTarget } from "./plan.js";
import type { ApplyOutcome } from "./apply.js";

export const PLAN_TTL_MS = 24 * 3600 * 1000;

export interface PrunePlan {
  mode: "plan";
  planId: string;
  host: string;
  target: PruneTarget;
  all: boolean;
  filters: PruneFilters;
  /** The engine's API version, which decides the volume semantics (see notes). */
  apiVersion: string;
  createdAt: string;
  expiresAt: string;
  items: PlanItem[];
  counts: Record<PlanItem["kind"], number>;
  reclaimableBytes: number;
  notes: string[];
}

export interface PruneApplied extends ApplyOutcome {
  mode: "apply" | "prune";
  planId: string;
  host: string;
}

export async function makePlan(
  docker: Docker,
  input: { planId: string; host: string; target: PruneTarget; all: boolean; filters: PruneFilters; now: Date; images: ImageStore; signal?: AbortSignal },
): Promise<PrunePlan> {
  const inv = await readInventory(docker, input.host, input.signal);
  const opts = { target: input.target, all: input.all, filters: input.filters, now: input.now };
  if (input.filters.unusedFor !== undefined) inv.lastUse = await lastUse(docker, input.host, inv, input.images);
  const items = planPrune(inv, opts);
  const counts = { container: 0, image: 0, volume: 0, buildCache: 0 };
  for (const item of items) counts[item.kind]++;
  const notes: string[] = [];
  if (input.target === "volumes" || input.target === "system") {
    notes.push(
      volumesPruneAnonymousOnly(inv.apiVersion)
        ? `engine API ${inv.apiVersion}: volumes are anonymous ones only${input.all ? " (all: named ones too)" : ""}, as docker volume prune does`
        : `engine API ${inv.apiVersion} (< 1.42): every unused local volume, named or anonymous, as docker volume prune does on this engine; all changes nothing`,
    );
  }
  return {
    mode: "plan",
    planId: input.planId,
    host: input.host,
    target: input.target,
    all: input.all,
    filters: input.filters,
    apiVersion: inv.apiVersion,
    createdAt: input.now.toISOString(),
    expiresAt: new Date(input.now.getTime() + PLAN_TTL_MS).toISOString(),
    items,
    counts,
    reclaimableBytes: items.reduce((n, i) => n + i.reclaimable, 0),
    notes,
  };
}

/** The plan a dryRun job stored; PLAN_NOT_FOUND / PLAN_EXPIRED when it cannot be applied. */
export function planOf(record: JobRecord | undefined, planId: string, host: string | undefined, now: Date): PrunePlan {
  const plan = record?.result as PrunePlan | undefined;
  if (!record || record.type !== "prune" || record.state !== "completed" || plan?.mode !== "plan") {
    throw new RegopsError("PLAN_NOT_FOUND", `no prune plan ${planId}: it must be a completed prune job with dryRun: true`);
  }
  if (host !== undefined && plan.host !== host) {
    throw new RegopsError("PLAN_NOT_FOUND", `plan ${planId} is for Docker host "${plan.host}", not "${host}"`);
  }
  if (Date.parse(plan.expiresAt) < now.getTime()) {
    throw new RegopsError("PLAN_EXPIRED", `plan ${planId} expired at ${plan.expiresAt}`);
  }
  return plan;
}
