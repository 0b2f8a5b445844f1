// A watch: polling as reconciliation for webhooks that never came. Either one image (a tag) or
// a repository with a tag pattern, checked with HEAD only, every interval or on a cron schedule.
// The config file (`watches`) and /v1/watches share these fields.
import { z } from "zod";
import { entrySourceSchema, nextRunAtSchema } from "../entries/entry.js";
import { RegopsError } from "../errors.js";
import { parseReference } from "../registry/reference.js";
import { cronProblem } from "./cron.js";
import { globSchema } from "../patterns/glob.js";
import { intervalProblem, parseInterval } from "./interval.js";

export { parseInterval };

/** `30s`, `5m`, `1h`: at least 10 seconds, so a watch cannot hammer a registry. */
export const intervalSchema = z.string().superRefine((v, ctx) => {
  const problem = intervalProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const cronSchema = z
  .string()
  .min(1)
  .max(200)
  .superRefine((v, ctx) => {
    const problem = cronProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

function referenceProblem(value: string, kind: "image" | "repository"): string | undefined {
  try {
    const ref = parseReference(value);
    if (ref.digest) return "a digest never changes: watch a tag";
    if (kind === "repository" && ref.tag) return "a repository has no tag: put the tag pattern in `tags`";
    return undefined;
  } catch (err) {
    return err instanceof RegopsError ? err.message : "invalid reference";
  }
}

const watchedImage = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((v, ctx) => {
    const problem = referenceProblem(v, "image");
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const watchedRepository = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((v, ctx) => {
    const problem = referenceProblem(v, "repository");
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const hostId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a host id from the configuration");

export const watchId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, - or _ (at most 63)");

export const watchFields = {
  image: watchedImage.optional().meta({ description: "One tagged image to poll, e.g. nginx:1.27 (no tag: latest)" }),
  repository: watchedRepository.optional().meta({ description: "A repository whose tags are polled, e.g. registry.example.com/team/app" }),
  tags: globSchema
    .optional()
    .meta({ description: "With repository: a glob over tag names (* ? [a-z] {a,b}), e.g. v1.* (default every tag)" }),
  every: intervalSchema.optional().meta({ description: "Poll interval: a number with s, m or h, at least 10s, e.g. 5m" }),
  cron: cronSchema
    .optional()
    .meta({ description: "Or a cron schedule (5 fields, or 6 with seconds first), in the worker's time zone, e.g. */10 * * * *" }),
  hosts: z
    .array(hostId)
    .min(1)
    .max(100)
    .optional()
    .meta({ description: "Docker hosts a changed image is pulled onto (default every host)" }),
  pull: z.boolean().default(true).meta({ description: "false: a change is only recorded (a refresh with pull: false), not pulled" }),
};

type WatchFieldValues = { image?: string; repository?: string; tags?: string; every?: string; cron?: string };

/** The rules across fields: one of image/repository, one of every/cron, tags only with repository. */
export function checkWatch(w: WatchFieldValues, ctx: z.RefinementCtx): void {
  if (!w.image === !w.repository) ctx.addIssue({ code: "custom", path: ["image"], message: "give either image or repository" });
  if (!w.every === !w.cron) ctx.addIssue({ code: "custom", path: ["every"], message: "give either every or cron" });
  if (w.tags && !w.repository) ctx.addIssue({ code: "custom", path: ["tags"], message: "only with repository" });
}

export const watchSchema = z.strictObject({ id: watchId, ...watchFields }).superRefine(checkWatch);

/** A watch, from the config file or the API. */
export type Watch = z.infer<typeof watchSchema>;

/** POST /v1/watches. */
export const newWatchSchema = z
  .strictObject({ id: watchId, ...watchFields })
  .superRefine(checkWatch)
  .meta({ id: "NewWatch" });

/** PUT /v1/watches/{id}: everything but the id (taken from the path). */
export const watchUpdateSchema = z.strictObject(watchFields).superRefine(checkWatch).meta({ id: "WatchUpdate" });

export const watchStatusSchema = z
  .object({
    runs: z.number().int().meta({ description: "Ticks run so far" }),
    checked: z.number().int().meta({ description: "Tags checked (one manifest HEAD each) so far" }),
    changed: z.number().int().meta({ description: "Refresh jobs submitted for a new digest so far" }),
    lastRunAt: z.string().optional().meta({ description: "When the last tick finished" }),
    lastChecked: z.number().int().optional(),
    lastChanged: z.number().int().optional(),
    lastJobs: z.array(z.string()).meta({ description: "Ids of the refresh jobs the last tick submitted" }),
    lastError: z
      .object({ code: z.string(), message: z.string(), hint: z.string(), count: z.number().int() })
      .optional()
      .meta({ description: "The first error of the last tick, and how many of its checks failed" }),
  })
  .meta({ id: "WatchStatus" });

export type WatchStatus = z.infer<typeof watchStatusSchema>;

export const watchViewSchema = z
  .object({
    id: z.string(),
    image: z.string().optional(),
    repository: z.string().optional(),
    tags: z.string().optional(),
    every: z.string().optional(),
    cron: z.string().optional(),
    hosts: z.array(z.string()).optional(),
    pull: z.boolean(),
    source: entrySourceSchema,
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    nextRunAt: nextRunAtSchema,
    status: watchStatusSchema,
  })
  .meta({ id: "Watch" });

export type WatchView = z.infer<typeof watchViewSchema>;

export const watchListSchema = z.object({ items: z.array(watchViewSchema) }).meta({ id: "WatchList" });

/** The interval in ms, or undefined for a cron watch. */
export function everyMs(w: Pick<Watch, "every">): number | undefined {
  return w.every === undefined ? undefined : parseInterval(w.every);
}
