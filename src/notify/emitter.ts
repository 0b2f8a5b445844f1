// Producer side of notifications: where an event happens (a job record became final, a refresh
// saw a tag move), one call queues a delivery per matching endpoint on the `notify` queue. That
// queue is not a job kind: deliveries have no job record and are not in /v1/jobs.
import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { JobStore } from "../store/jobs.js";
import { queuePrefix } from "../store/keys.js";
import {
  deliveryId,
  imageBody,
  jobBody,
  jobEvent,
  matchingEndpoints,
  notifyJobId,
  type ImageUpdate,
  type NotificationBody,
  type NotifyJobData,
} from "./payload.js";
import type { NotificationConfig, NotificationEvent } from "./schema.js";

export const NOTIFY_QUEUE = "notify";

export function createNotifyQueue(connection: Redis, prefix: string): Queue<NotifyJobData> {
  return new Queue<NotifyJobData>(NOTIFY_QUEUE, { connection, prefix: queuePrefix(prefix) });
}

/** Retries with exponential backoff and jitter: 1 s, 2 s, 4 s, ... (each 50–100 % of that). */
export function notifyJobOptions(endpoint: NotificationConfig, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: endpoint.attempts,
    backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
    // Kept a day after delivery so a re-emit of the same event (its job retried) stays a no-op.
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: 7 * 86_400, count: 10_000 },
  };
}

/** What processors get to announce events with (workers/run.ts, src/refresh/refresh-image.ts). */
export interface NotifyDeps {
  notifier?: NotificationEmitter;
}

export class NotificationEmitter {
  constructor(
    private readonly queue: Queue<NotifyJobData>,
    private readonly endpoints: readonly NotificationConfig[],
    private readonly store: JobStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Announces job `id` if its record is final (completed: job.completed, failed: job.failed).
   * Call it where the record became final. Calling it again for the same job queues nothing new.
   * A failure to queue is logged, never thrown: the job's outcome does not depend on it.
   */
  async jobFinished(id: string): Promise<void> {
    if (!this.endpoints.some((e) => e.events.includes("job.completed") || e.events.includes("job.failed"))) return;
    try {
      const record = await this.store.get(id);
      const event = record && jobEvent(record.state);
      if (!record || !event) return;
      await this.enqueue(event, id, record.image, (delivery) => jobBody(delivery, event, record));
    } catch (err) {
      this.logger.error({ err, jobId: id }, "failed to queue job notifications");
    }
  }

  /** Announces that a refresh saw `update.ref` move from one known digest to another. */
  async imageUpdated(update: ImageUpdate): Promise<void> {
    try {
      const at = new Date();
      await this.enqueue("image.updated", update.jobId, update.ref, (delivery) => imageBody(delivery, update, at));
    } catch (err) {
      this.logger.error({ err, jobId: update.jobId }, "failed to queue image.updated notifications");
    }
  }

  private async enqueue(event: NotificationEvent, jobId: string, image: string | undefined, build: (delivery: string) => NotificationBody) {
    await Promise.all(
      matchingEndpoints(this.endpoints, event, image).map((endpoint) => {
        const id = notifyJobId(endpoint.id, event, jobId);
        const delivery = deliveryId(id);
        const data: NotifyJobData = { endpoint: endpoint.id, event, delivery, jobId, body: JSON.stringify(build(delivery)) };
        return this.queue.add(event, data, notifyJobOptions(endpoint, id));
      }),
    );
  }
}
