// Wires the process together from a Config: Redis connections, store, queues, and then the API
// and/or the workers, as REGOPS_ROLE says. main.ts calls it; integration tests call it too,
// so what they test is what runs.
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import type { Config } from "./config.js";
import { DockerHosts } from "./docker/hosts.js";
import { ApiKeys } from "./api/auth.js";
import { buildHealthApp } from "./api/health-app.js";
import { createMetrics } from "./api/metrics.js";
import type { Check } from "./api/rest/health.js";
import { JobEvents } from "./jobs/events.js";
import { closeQueues, createQueues } from "./jobs/queues.js";
import { JobService } from "./jobs/service.js";
import type { Logger } from "./logger.js";
import { RegistryDirectory } from "./registry/directory.js";
import { RegistryClients } from "./registry/clients.js";
import { ApiRegistryStore } from "./store/api-registries.js";
import { SecretBox } from "./store/sealed.js";
import { ScanStore } from "./store/scans.js";
import { ScannerDatabase } from "./scan/database.js";
import { SharedRateLimits } from "./registry/shared-rate-limits.js";
import { DeliveryLog } from "./webhooks/deliveries.js";
import { WebhookIngest } from "./webhooks/ingest.js";
import { WebhookMetrics } from "./webhooks/metrics.js";
import { ImageStore } from "./store/images.js";
import { JobStore } from "./store/jobs.js";
import { WatchStore } from "./store/watches.js";
import { WatchService } from "./watches/service.js";
import { startWatchWorker } from "../workers/watch.js";
import { ScheduleStore } from "./store/schedules.js";
import { ScheduleService } from "./schedules/service.js";
import { startScheduleWorker } from "../workers/schedule.js";
import { startWorkers, type WorkerPool } from "../workers/index.js";
import type { WorkerDeps } from "./jobs/context.js";
import { startNotifier } from "../workers/notify.js";
import { Notary } from "./notary/notary.js";
import { NotificationLog } from "./notify/log.js";

export interface Service {
  /** The full API, or only the health routes for REGOPS_ROLE=worker. */
  app: FastifyInstance;
  workers?: WorkerPool;
  close(): Promise<void>;
}

function connect(config: Config, logger: Logger, name: string, opts: { autoPipelining?: boolean } = {}): Redis {
  // maxRetriesPerRequest null: BullMQ's blocking connections require it, and a command
  // waiting out a Redis restart is better than a lost job (the API answers 503 meanwhile:
  // api/redis-guard.ts).
  const connection = new Redis(config.redisUrl, {
    maxRetriesPerRequest: null,
    connectionName: `regops-${name}`,
    lazyConnect: false,
    enableAutoPipelining: opts.autoPipelining ?? false,
  });
  // ioredis retries every few seconds and reports each failure: log the first of an outage
  // and the recovery, not every attempt (and never let an error go unhandled).
  let down = false;
  connection.on("error", (err: Error) => {
    if (!down) logger.warn({ connection: name, reason: err.message }, "redis connection lost; retrying");
    down = true;
  });
  connection.on("ready", () => {
    if (down) logger.info({ connection: name }, "redis connection back");
    down = false;
  });
  return connection;
}

/** Resolves once the connection is ready (at once if it is). */
function connected(connection: Redis): Promise<void> {
  if (connection.status === "ready") return Promise.resolve();
  return new Promise((resolve) => connection.once("ready", () => resolve()));
}

export async function startService(config: Config, logger: Logger): Promise<Service> {
  const redis = connect(config, logger, "main");
  // Job and image records are written by many jobs at once: a connection of their own that
  // pipelines the commands issued in one tick into one write (BullMQ keeps the main one).
  const records = connect(config, logger, "records", { autoPipelining: true });
  const store = new JobStore(records, config.prefix, config.jobs.retentionDays * 86_400);
  const queues = createQueues(redis, config.prefix);
  const hosts = new DockerHosts(config.hosts);
  const images = new ImageStore(records, config.prefix);
  // The registries of the config file plus those added through the API, reloaded on change.
  const catalog = new RegistryDirectory(
    config.registries,
    new ApiRegistryStore(redis, store.keys, config.secretKey ? new SecretBox(config.secretKey) : undefined),
    config.registryApi,
  );
  const catalogSubscriber = connect(config, logger, "registries-sub");
  await catalog.watch(catalogSubscriber, store.keys.registriesChannel, (err) => logger.warn({ msg: err.message }, "registry catalog reload failed"));
  // One connection pool and token cache per registry, shared by the API's queries and the workers.
  // Rate limits are the deployment's: a 429 one process sees makes every process wait.
  const rateLimits = new SharedRateLimits(redis, store.keys, (err) => logger.warn({ msg: err.message }, "sharing a rate limit failed"));
  const registries = new RegistryClients(catalog, rateLimits);
  await rateLimits.follow(catalogSubscriber, (id, until) => registries.adoptCoolDown(id, until));
  const closers: (() => Promise<unknown>)[] = [async () => catalogSubscriber.disconnect()];
  // Watches: one job scheduler each on the `watch` queue; their ticks run where workers run.
  const watchStore = new WatchStore(redis, store.keys);
  const watches = new WatchService(redis, config, catalog, watchStore);
  // Schedules: one job scheduler each on the `schedule` queue; a tick submits the schedule's job.
  const scheduleStore = new ScheduleStore(redis, store.keys);
  const schedules = new ScheduleService(redis, config, catalog, scheduleStore);

  const notificationLog = new NotificationLog(redis, store.keys);
  // One JobService: the API submits with it, and so do workers (a retag's `then` steps, watches).
  const jobs = new JobService(redis, store, queues, config, catalog);
  const scans = new ScanStore(redis, store.keys, config.jobs.retentionDays * 86_400);
  const notary = config.notary ? new Notary(config.notary, { redis, lockPrefix: store.keys.notaryLock }) : undefined;
  let workers: WorkerPool | undefined;
  if (config.role !== "api") {
    const subscriber = connect(config, logger, "worker-sub");
    // Outgoing notifications: queued by the workers where events happen, sent by the notify worker.
    const notifier = startNotifier({ config, connection: redis, store, log: notificationLog, logger });
    // The built-in scanner's advisories, loaded where scans run and reloaded on request.
    const scanner = await ScannerDatabase.open(config.scanner, redis, store.keys);
    const scannerSubscriber = connect(config, logger, "scanner-sub");
    await scanner.watch(scannerSubscriber, logger);
    closers.push(async () => scannerSubscriber.disconnect());
    const deps: WorkerDeps = { config, registries, hosts, images, logger, notifier: notifier?.emitter, notary, jobs, scans, scanner };
    workers = await startWorkers({
      deps,
      store,
      queues,
      connection: redis,
      subscriber,
    });
    closers.push(() => workers!.close(), async () => subscriber.disconnect());
    if (notifier) closers.push(() => notifier.close()); // after the workers: they may still emit
    const watchWorker = startWatchWorker({ connection: redis, prefix: config.prefix, watches, store: watchStore, deps: { registries, images, jobs, logger } });
    closers.push(() => watchWorker.close());
    await watches.sync().catch((err: unknown) => logger.error({ err }, "scheduling watches failed"));
    const scheduleWorker = startScheduleWorker({ connection: redis, prefix: config.prefix, deps: { schedules, store: scheduleStore, jobs, logger } });
    closers.push(() => scheduleWorker.close());
    await schedules.sync().catch((err: unknown) => logger.error({ err }, "scheduling schedules failed"));
  }

  // Ready when Redis answers and, where this process runs jobs, every Docker host does.
  const readiness = async (): Promise<Check[]> => {
    const checks: Check[] = [];
    // Known to be down: say so at once, rather than after the ping's 2 s.
    const pong = redis.status !== "ready" ? `unreachable (connection ${redis.status})` : await Promise.race([
      redis.ping().then(() => "ok", (err: Error) => err.message),
      new Promise<string>((r) => setTimeout(() => r("no answer within 2s"), 2000).unref()),
    ]);
    checks.push(pong === "ok" ? { name: "redis", ok: true } : { name: "redis", ok: false, reason: pong });
    if (config.role !== "api") {
      const down = await hosts.down();
      for (const id of hosts.ids()) {
        const d = down.find((x) => x.id === id);
        checks.push(d ? { name: `docker:${id}`, ok: false, reason: d.reason } : { name: `docker:${id}`, ok: true });
      }
    }
    return checks;
  };

  let app: FastifyInstance;
  if (config.role === "worker") {
    app = await buildHealthApp(logger, readiness);
  } else {
    const subscriber = connect(config, logger, "api-sub");
    const events = new JobEvents(subscriber, store.keys.eventsChannel);
    // Webhooks come in bursts (a multi-arch push, a registry's retries): their many small
    // commands share round trips on a connection of their own that pipelines them.
    const webhookRedis = connect(config, logger, "webhooks", { autoPipelining: true });
    closers.push(async () => webhookRedis.disconnect());
    const deliveries = new DeliveryLog(webhookRedis, store.keys, config.webhooks.logSize, config.webhooks.dedupSeconds);
    const metrics = createMetrics({ queues, catalog, registries, events });
    const webhookIngest = new WebhookIngest({
      redis: webhookRedis,
      keys: store.keys,
      catalog,
      registries,
      jobs,
      log: deliveries,
      metrics: new WebhookMetrics(metrics),
      rejectionLogMs: config.webhooks.rejectionLogSeconds * 1000,
    });
    // The API answers 503 while a connection it uses is down: start serving once they are up.
    await Promise.all([redis, records, webhookRedis].map(connected));
    // Loaded only where the API runs: a worker-only process never pays for it.
    const { buildApp } = await import("./api/app.js");
    app = await buildApp({
      logger,
      keys: new ApiKeys(config.apiKeys),
      graphqlLimits: config.api.graphql,
      jobs,
      catalog,
      webhooks: { ingest: webhookIngest, log: deliveries },
      images,
      registries,
      events,
      metrics,
      readiness,
      redisReady: () => redis.status === "ready" && records.status === "ready" && webhookRedis.status === "ready",
      notifications: notificationLog,
      watches,
      schedules,
      notary,
      scans: { jobs, scans, images, redis, keys: store.keys },
    });
    closers.unshift(() => events.stop(), async () => subscriber.disconnect());
  }
  closers.push(() => watches.close()); // after the watch worker
  closers.push(() => schedules.close()); // after the schedule worker
  const built = app;
  closers.unshift(() => built.close());

  return {
    app,
    workers,
    async close() {
      for (const close of closers) await close().catch((err: unknown) => logger.warn({ err }, "error while closing"));
      await registries.close();
      await closeQueues(queues);
      redis.disconnect();
      records.disconnect();
    },
  };
}
