// What a notification is, as pure functions: which endpoints want an event, the identity of a
// delivery (the same event always gets the same ids, so a retried job cannot send twice), the
// JSON body and the headers it is sent with.
import { createHash } from "node:crypto";
import type { z } from "zod";
import { jobSchema } from "../jobs/specs/index.js";
import type { JobState } from "../store/keys.js";
import type { JobRecord } from "../store/jobs.js";
import type { NotificationConfig, NotificationEvent } from "./schema.js";
import { signatureHeader } from "./sign.js";

/** image.updated: a tag's digest moved from one regops had seen to a new one. */
export interface ImageUpdate {
  /** The normalized reference, e.g. 127.0.0.1:5000/team/app:v1 */
  ref: string;
  digest: string;
  previousDigest: string;
  mediaType: string;
  /** The refresh job that saw the change. */
  jobId: string;
}

export type JobEventName = Extract<NotificationEvent, "job.completed" | "job.failed">;

export type NotificationBody =
  | { id: string; event: JobEventName; occurredAt: string; job: z.infer<typeof jobSchema> }
  | { id: string; event: "image.updated"; occurredAt: string; image: ImageUpdate };

/** What a queued delivery carries. Never the secret: that is looked up by endpoint id when sending. */
export interface NotifyJobData {
  endpoint: string;
  event: NotificationEvent;
  /** The delivery id (X-Regops-Delivery), also `id` in the body. */
  delivery: string;
  /** The job the event is about (for image.updated, the refresh that saw the change). */
  jobId: string;
  /** The exact bytes to send and sign. */
  body: string;
}

/** The event a job record in `state` announces, if any (cancelled jobs announce none). */
export function jobEvent(state: JobState): JobEventName | undefined {
  if (state === "completed") return "job.completed";
  if (state === "failed") return "job.failed";
  return undefined;
}

/**
 * The endpoints that want `event` about `image` (a normalized reference): those listing the
 * event and, if they list `images`, one of those is a prefix of the image.
 */
export function matchingEndpoints(
  endpoints: readonly NotificationConfig[],
  event: NotificationEvent,
  image: string | undefined,
): NotificationConfig[] {
  return endpoints.filter(
    (e) => e.events.includes(event) && (!e.images?.length || (image !== undefined && e.images.some((prefix) => image.startsWith(prefix)))),
  );
}

/**
 * The queue job id of one delivery: endpoint, event, job. One job has one final state and one
 * refresh sees a digest change at most once, so this names exactly one event; the id is also
 * what makes a second add of it (a retried or re-run job emitting again) a no-op. BullMQ allows
 * a colon in custom ids only as exactly three parts, which this is (ids and events have none).
 */
export function notifyJobId(endpointId: string, event: NotificationEvent, jobId: string): string {
  return `${endpointId}:${event}:${jobId}`;
}

/** The delivery id: a UUID (version 8, name-based on SHA-256) of the queue job id, so it never changes. */
export function deliveryId(notifyJob: string): string {
  const h = createHash("sha256").update(notifyJob).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** job.completed / job.failed: the job as GET /v1/jobs/{id} returns it. */
export function jobBody(delivery: string, event: JobEventName, record: JobRecord): NotificationBody {
  return { id: delivery, event, occurredAt: record.finishedAt ?? new Date().toISOString(), job: jobSchema.parse(record) };
}

export function imageBody(delivery: string, update: ImageUpdate, occurredAt: Date = new Date()): NotificationBody {
  const { ref, digest, previousDigest, mediaType, jobId } = update;
  return { id: delivery, event: "image.updated", occurredAt: occurredAt.toISOString(), image: { ref, digest, previousDigest, mediaType, jobId } };
}

export const USER_AGENT = "regops";

/** The request headers of a delivery, signed with the endpoint's secret. */
export function deliveryHeaders(secret: string, data: Pick<NotifyJobData, "event" | "delivery" | "body">): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "x-regops-event": data.event,
    "x-regops-delivery": data.delivery,
    "x-regops-signature": signatureHeader(secret, data.body),
  };
}
