// Step 4 of startService: the HTTP side. REGOPS_ROLE=worker serves only /healthz and /readyz;
// api and all serve the whole API (REST, GraphQL, webhooks) once its Redis connections are up.
import type { FastifyInstance } from "fastify";
import { ApiKeys } from "../api/auth.js";
import { buildHealthApp } from "../api/health-app.js";
import { createMetrics } from "../api/metrics.js";
import type { Check } from "../api/rest/health.js";
import type { Config } from "../config.js";
import { JobEvents } from "../jobs/events.js";
import type { Logger } from "../logger.js";
import { ScanQueries } from "../scan/queries.js";
import { DeliveryLog } from "../webhooks/deliveries.js";
import { WebhookIngest } from "../webhooks/ingest.js";
import { WebhookMetrics } from "../webhooks/metrics.js";
import type { Connections } from "./connect.js";
import type { Core } from "./core.js";
import { connected, redisConnection, type Closer } from "./redis.js";

export interface ApiSide {
  app: FastifyInstance;
  /** The first steps of the shutdown: stop serving, then stop following job events. */
  first: Closer[];
  /** After the workers' closers: the webhooks' connection. */
  later: Closer[];
}

export async function startApiSide(config: Config, logger: Logger, connections: Connections, core: Core, readiness: () => Promise<Check[]>): Promise<ApiSide> {
  if (config.role === "worker") {
    const app = await buildHealthApp(logger, readiness);
    return { app, first: [() => app.close()], later: [] };
  }
  const { redis, records, store, queues, catalog, registries, images } = connections;
  const { jobs, scans, notary, watches, schedules, notificationLog } = core;
  const subscriber = redisConnection(config, logger, "api-sub");
  const events = new JobEvents(subscriber, store.keys.eventsChannel);
  // Webhooks come in bursts (a multi-arch push, a registry's retries): their many small
  // commands share round trips on a connection of their own that pipelines them.
  const webhookRedis = redisConnection(config, logger, "webhooks", { autoPipelining: true });
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
  const { buildApp } = await import("../api/app.js");
  const app = await buildApp({
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
    scans,
    scanQueries: new ScanQueries({ jobs: store, scans, images, redis, keys: store.keys }),
  });
  return {
    app,
    first: [() => app.close(), () => events.stop(), async () => subscriber.disconnect()],
    later: [async () => webhookRedis.disconnect()],
  };
}
