// Delivers notifications: the `notify` queue's processor POSTs one signed body to one
// endpoint and logs the attempt. 2xx: delivered. 410 Gone: the endpoint asked to stop, no
// retries. Anything else (another status, a network error, the 10 s timeout): BullMQ retries
// with backoff until the endpoint's attempts are spent. Delivery is at least once: a worker
// that dies after the POST and before BullMQ hears of it sends again, with the same
// X-Regops-Delivery, which receivers de-duplicate on.
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../src/config.js";
import type { Logger } from "../src/logger.js";
import { createNotifyQueue, NotificationEmitter, NOTIFY_QUEUE } from "../src/notify/emitter.js";
import type { DeliveryOutcome, NotificationLog } from "../src/notify/log.js";
import { deliveryHeaders, type NotifyJobData } from "../src/notify/payload.js";
import type { NotificationConfig } from "../src/notify/schema.js";
import { isDelivered, postNotification, type SendOutcome } from "../src/notify/send.js";
import type { JobStore } from "../src/store/jobs.js";
import { queuePrefix } from "../src/store/keys.js";

const CONCURRENCY = 8;

export interface NotifyProcessorDeps {
  endpoints: readonly NotificationConfig[];
  log: NotificationLog;
  logger: Logger;
  send?: typeof postNotification;
}

export function notifyProcessor(deps: NotifyProcessorDeps) {
  const send = deps.send ?? postNotification;
  return async (job: Job<NotifyJobData>, _token?: string, signal?: AbortSignal): Promise<{ status: number; attempt: number }> => {
    const d = job.data;
    const attempt = job.attemptsMade + 1;
    const attempts = job.opts.attempts ?? 1;
    const log = deps.logger.child({ delivery: d.delivery, endpoint: d.endpoint, event: d.event, jobId: d.jobId, attempt });
    const record = (outcome: DeliveryOutcome, r: SendOutcome) =>
      deps.log.record({
        delivery: d.delivery,
        endpoint: d.endpoint,
        event: d.event,
        jobId: d.jobId,
        attempt,
        status: r.status,
        error: r.error,
        response: r.response,
        ms: r.ms,
        at: new Date().toISOString(),
        outcome,
      });

    // The secret is looked up now, by id: it is never part of the queued job.
    const endpoint = deps.endpoints.find((e) => e.id === d.endpoint);
    if (!endpoint) {
      await record("failed", { error: `endpoint "${d.endpoint}" is no longer configured`, ms: 0 });
      throw new UnrecoverableError(`notification endpoint "${d.endpoint}" is no longer configured`);
    }

    const r = await send(endpoint.url, deliveryHeaders(endpoint.secret, d), d.body, { signal });
    if (isDelivered(r)) {
      await record("delivered", r);
      log.debug({ status: r.status, ms: r.ms }, "notification delivered");
      return { status: r.status!, attempt };
    }
    const gone = r.status === 410;
    const last = gone || attempt >= attempts;
    await record(last ? "failed" : "retrying", r);
    log.warn({ status: r.status, error: r.error, ms: r.ms, last }, gone ? "notification endpoint answered 410 Gone: not retried" : "notification attempt failed");
    const message = `notification to "${d.endpoint}" failed: ${r.error ?? `HTTP ${r.status}`}`;
    if (gone) throw new UnrecoverableError(message);
    throw new Error(message);
  };
}

export interface Notifier {
  emitter: NotificationEmitter;
  close(): Promise<void>;
}

/**
 * The notify queue's producer and worker, where workers run. Nothing is started when no
 * endpoint is configured.
 */
export function startNotifier(opts: {
  config: Config;
  /** Connection for commands; BullMQ duplicates it for its blocking calls. */
  connection: Redis;
  store: JobStore;
  log: NotificationLog;
  logger: Logger;
}): Notifier | undefined {
  const { config, logger } = opts;
  if (!config.notifications.length) return undefined;
  const queue = createNotifyQueue(opts.connection, config.prefix);
  const worker = new Worker<NotifyJobData>(NOTIFY_QUEUE, notifyProcessor({ endpoints: config.notifications, log: opts.log, logger }), {
    connection: opts.connection,
    prefix: queuePrefix(config.prefix),
    concurrency: CONCURRENCY,
  });
  worker.on("error", (err) => logger.error({ err }, "notify worker error"));
  return {
    emitter: new NotificationEmitter(queue, config.notifications, opts.store, logger),
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
