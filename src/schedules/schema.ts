// A schedule: a job spec (any kind POST /v1/jobs takes) submitted on a timetable, `every` an
// interval or on a `cron` expression in a time zone. The config file (`schedules`) and
// /v1/schedules share these fields; each schedule is one BullMQ job scheduler.
import { z } from "zod";
import { entrySourceSchema, nextRunAtSchema } from "../entries/entry.js";
import { jobSpec } from "../jobs/specs/index.js";
import { cronProblem, everyProblem, timezoneProblem } from "./timing.js";

export const scheduleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, - or _ (at most 63)");

const problem = (check: (v: string) => string | undefined) =>
  z.string().superRefine((v, ctx) => {
    const p = check(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

export const scheduleFields = {
  every: problem(everyProblem).optional().meta({ description: "Run every interval: a number with s, m, h or d, at least 1s, e.g. 30s or 6h" }),
  cron: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: "Or a cron expression (5 fields, or 6 with seconds first), e.g. 0 3 * * *" }),
  timezone: problem(timezoneProblem)
    .optional()
    .meta({ description: "With cron: the IANA time zone it is read in, e.g. Europe/Berlin (default UTC)" }),
  job: jobSpec.meta({ description: "The job each run submits, as POST /v1/jobs takes it" }),
};

type Timing = { every?: string; cron?: string; timezone?: string };

/** The rules across fields: one of every/cron; a time zone only with cron; the cron read in it. */
export function checkSchedule(s: Timing, ctx: z.RefinementCtx): void {
  if (!s.every === !s.cron) ctx.addIssue({ code: "custom", path: ["every"], message: "give either every or cron" });
  if (s.timezone !== undefined && s.cron === undefined) ctx.addIssue({ code: "custom", path: ["timezone"], message: "only with cron" });
  if (s.cron !== undefined && (s.timezone === undefined || !timezoneProblem(s.timezone))) {
    const p = cronProblem(s.cron, s.timezone);
    if (p) ctx.addIssue({ code: "custom", path: ["cron"], message: p });
  }
}

export const scheduleSchema = z.strictObject({ id: scheduleId, ...scheduleFields }).superRefine(checkSchedule).meta({ id: "NewSchedule" });

/** A schedule, from the config file or the API. */
export type Schedule = z.infer<typeof scheduleSchema>;

export const scheduleRunSchema = z
  .object({
    tickAt: z.string().meta({ description: "The tick (when the scheduler meant it to run)" }),
    jobId: z.string().optional().meta({ description: "The job this tick submitted: GET /v1/jobs/{id}" }),
    error: z
      .object({ code: z.string(), message: z.string(), hint: z.string() })
      .optional()
      .meta({ description: "Why the tick submitted no job (e.g. the registry is no longer configured)" }),
    manual: z.boolean().optional().meta({ description: "true: asked for with POST /v1/schedules/{id}/run, not by the timetable" }),
    recordedAt: z.string(),
  })
  .meta({ id: "ScheduleRun" });

export type ScheduleRun = z.infer<typeof scheduleRunSchema>;

export const scheduleViewSchema = z
  .object({
    id: z.string(),
    every: z.string().optional(),
    cron: z.string().optional(),
    timezone: z.string().optional(),
    job: z.record(z.string(), z.unknown()).meta({ description: "The job spec each run submits" }),
    source: entrySourceSchema,
    createdAt: z.string().optional(),
    nextRunAt: nextRunAtSchema,
    runScope: z
      .enum(["write", "admin"])
      .meta({ description: "The scope POST /v1/schedules/{id}/run needs: write, or admin when the job does (as for POST /v1/jobs)" }),
    runs: z.number().int().meta({ description: "Ticks recorded so far" }),
    lastRuns: z.array(scheduleRunSchema).meta({ description: "The latest ticks, newest first (at most 20)" }),
  })
  .meta({ id: "Schedule" });

export type ScheduleView = z.infer<typeof scheduleViewSchema>;

export const scheduleListSchema = z.object({ items: z.array(scheduleViewSchema) }).meta({ id: "ScheduleList" });
