// Step 3 of startService, where REGOPS_ROLE is worker or all: the job workers, the outgoing
// notifications, the built-in scanner's database, and the watch and schedule ticks.
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { ScannerDatabase } from "../scan/database.js";
import type { WorkerDeps } from "../jobs/context.js";
import { startWorkers, type WorkerPool } from "../../workers/index.js";
import { startNotifier } from "../../workers/notify.js";
import { startScheduleWorker } from "../../workers/schedule.js";
import { startWatchWorker } from "../../workers/watch.js";
import type { Connections } from "./connect.js";
import type { Core } from "./core.js";
import { redisConnection, type Closer } from "./redis.js";

export interface WorkerSide {
  pool: WorkerPool;
  /** In shutdown order: the job workers before the notifier they emit to, then the ticks. */
  closers: Closer[];
}

export async function startWorkerSide(config: Config, logger: Logger, connections: Connections, core: Core): Promise<WorkerSide> {
  const { redis, store, queues, registries, hosts, images } = connections;
  const { jobs, scans, notary, signing, referrersLock, signatureDrafts, watches, watchStore, schedules, scheduleStore, notificationLog } = core;
  const closers: Closer[] = [];
  const subscriber = redisConnection(config, logger, "worker-sub");
  // Outgoing notifications: queued by the workers where events happen, sent by the notify worker.
  const notifier = startNotifier({ config, connection: redis, store, log: notificationLog, logger });
  // The built-in scanner's advisories, loaded where scans run and reloaded on request.
  const scanner = await ScannerDatabase.open(config.scanner, redis, store.keys);
  const scannerSubscriber = redisConnection(config, logger, "scanner-sub");
  await scanner.watch(scannerSubscriber, logger);
  closers.push(async () => scannerSubscriber.disconnect());
  const deps: WorkerDeps = { config, registries, hosts, images, logger, notifier: notifier?.emitter, notary, signing, referrersLock, signatureDrafts, jobs, scans, scanner };
  const pool = await startWorkers({
    deps,
    store,
    queues,
    connection: redis,
    subscriber,
  });
  closers.push(() => pool.close(), async () => subscriber.disconnect());
  if (notifier) closers.push(() => notifier.close()); // after the workers: they may still emit
  const watchWorker = startWatchWorker({ connection: redis, prefix: config.prefix, watches, store: watchStore, deps: { registries, images, jobs, logger } });
  closers.push(() => watchWorker.close());
  await watches.sync().catch((err: unknown) => logger.error({ err }, "scheduling watches failed"));
  const scheduleWorker = startScheduleWorker({ connection: redis, prefix: config.prefix, deps: { schedules, store: scheduleStore, jobs, logger } });
  closers.push(() => scheduleWorker.close());
  await schedules.sync().catch((err: unknown) => logger.error({ err }, "scheduling schedules failed"));
  return { pool, closers };
}
