// A job as the API shows it: its kind, state, spec, progress, result or error, and times.
import { z } from "zod";

export const JOB_TYPES = ["refresh", "retag", "sign", "verify", "scan", "prune", "retention", "scanner-db", "migrate-signatures"] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const jobStateSchema = z.enum(["queued", "active", "completed", "failed", "cancelled"]);

export const jobErrorSchema = z.object({ code: z.string(), message: z.string(), hint: z.string() }).meta({ id: "JobError" });

export const jobSchema = z
  .object({
    id: z.string(),
    type: z.enum(JOB_TYPES),
    state: jobStateSchema,
    spec: z.record(z.string(), z.unknown()),
    image: z.string().optional(),
    submittedBy: z
      .string()
      .optional()
      .meta({ description: "Who submitted it: the API key's id, webhook:<registry> or regops:schedule; a then: step, whoever submitted the job that queued it. A write key may cancel only its own jobs" }),
    progress: z.unknown().nullable().meta({
      description:
        "What a running job reports, kept in its final record: {phase, ...}. A refresh's pull: hosts: {<host>: {layers, layersDone, bytesTotal, bytesDone, active?: [{id, bytesDone, bytesTotal}] (the layers downloading now, a few at most)}}; a daemon retag: pull and push of that shape; a registry retag: target, of, copy: {blobs, blobsDone, bytesTotal, bytesDone} (bytes in place at the target; an index's totals grow as its children are read); a built-in scan: read: {bytesDone, bytesTotal} (compressed layer bytes); prune and retention: done, total. Written a few times a second at most",
    }),
    attempts: z.number().int(),
    result: z.unknown().optional(),
    error: jobErrorSchema.optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  })
  .meta({ id: "Job" });

export const jobListSchema = z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() }).meta({ id: "JobList" });
