// The prune job: plan or delete unused images, containers, volumes or build cache on a Docker host.
import { z } from "zod";
import { isUntil, parseGoDuration } from "../../prune/until.js";
import { hostId } from "./common.js";

const labelFilter = z.string().min(1).max(512).regex(/^[^=]+(=.*)?$/, "must be key or key=value");

export const pruneFilters = z
  .strictObject({
    until: z
      .string()
      .max(64)
      .refine(isUntil, "must be a Go duration such as 720h or a timestamp (RFC 3339, 2006-01-02, Unix seconds)")
      .optional()
      .meta({ description: "Only what was created before this (the docker CLI's until): a Go duration back from now (720h) or a timestamp. Build cache: last used before it" }),
    unusedFor: z
      .string()
      .max(32)
      .refine((v) => (parseGoDuration(v) ?? -1) >= 0, "must be a Go duration such as 720h")
      .optional()
      .meta({ description: "Images only: not used for this long (regops' pulls onto the host, the engine's last tag time, the last container made from it)" }),
    label: z.array(labelFilter).max(20).optional().meta({ description: "key or key=value: only objects with every one of these labels" }),
    "label!": z.array(labelFilter).max(20).optional().meta({ description: "key or key=value: keep objects that have all of these labels" }),
  })
  .meta({ id: "PruneFilters" });

export const PRUNE_TARGETS = ["images", "containers", "volumes", "buildCache", "system"] as const;

export const pruneSpec = z
  .strictObject({
    type: z.literal("prune"),
    host: hostId.optional().meta({ description: "The Docker host id; default: the first configured host" }),
    target: z
      .enum(PRUNE_TARGETS)
      .optional()
      .meta({ description: "What to prune, as docker <target> prune does; system = containers, volumes, images and build cache. Default images" }),
    all: z
      .boolean()
      .optional()
      .meta({ description: "images: every image no container uses, not only dangling ones; volumes: named ones too (engines with API >= 1.42); build cache: shared and internal records too" }),
    filters: pruneFilters.optional(),
    dryRun: z.boolean().optional().meta({ description: "Only plan: the result lists exactly what would go (and its size) and deletes nothing; apply it with apply: <this job's id>" }),
    apply: z.uuid().optional().meta({ description: "The id of a dryRun prune job: delete exactly what its plan listed, skipping (and reporting) what changed since" }),
  })
  .superRefine((spec, ctx) => {
    if (spec.apply !== undefined) {
      for (const field of ["target", "all", "filters", "dryRun"] as const) {
        if (spec[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: "not with apply: the plan decides" });
      }
      return;
    }
    const target = spec.target ?? "images";
    if (spec.filters?.unusedFor !== undefined && target !== "images" && target !== "system") {
      ctx.addIssue({ code: "custom", path: ["filters", "unusedFor"], message: "only for images (or system)" });
    }
    if (spec.filters?.until !== undefined && target === "volumes") {
      ctx.addIssue({ code: "custom", path: ["filters", "until"], message: "docker volume prune has no until filter" });
    }
  })
  .meta({ id: "PruneSpec" });

export type PruneSpec = z.infer<typeof pruneSpec>;

/**
 * A prune that deletes what cannot be pulled again: volumes (data), system (volumes too), or
 * `all` (every unused image, every named volume, all build cache). A dry run deletes nothing;
 * applying its plan is judged by the plan's spec (JobService.requiredScope).
 */
export function isDestructivePrune(spec: Pick<PruneSpec, "target" | "all" | "dryRun">): boolean {
  return spec.dryRun !== true && (spec.target === "volumes" || spec.target === "system" || spec.all === true);
}
