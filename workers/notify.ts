// The notify queue's worker: each job is one delivery attempt (src/notify/deliver.ts); BullMQ
// retries with backoff what the endpoint may still accept.
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../src/config.js";
import type { Logger } from "../src/logger.js";
import { deliverNotification, type DeliveryDeps } from "../src/notify/deliver.js";
import { createNotifyQueue, NotificationEmitter, NOTIFY_QUEUE } from "../src/notify/emitter.js";
import type { NotificationLog } from "../src/notify/log.js";
import type { NotifyJobData } from "../src/notify/payload.js";
import type { JobStore } from "../src/store/jobs.js";
import { queuePrefix } from "../src/store/keys.js";

const CONCURRENCY = 8;

export function notifyProcessor(deps: DeliveryDeps) {
  return async (job: Job<NotifyJobData>, _token?: string, signal?: AbortSignal): Promise<{ status: number; attempt: number }> => {
    const attempt = job.attemptsMade + 1;
    const r = await deliverNotification(job.data, { attempt, attempts: job.opts.attempts ?? 1 }, deps, signal);
    if (r.delivered) return { status: r.status, attempt };
    if (r.final) throw new UnrecoverableError(r.message);
    throw new Error(r.message);
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
