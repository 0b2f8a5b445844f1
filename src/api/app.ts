// Builds the Fastify app: external plugins (OpenAPI, Swagger UI), then ours (errors, auth,
// metrics), then the routes and GraphQL. Only main.ts listens; tests use inject() or listen
// on port 0.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Registry } from "prom-client";
import type { Logger } from "../logger.js";
import type { JobEvents } from "../jobs/events.js";
import type { JobService } from "../jobs/service.js";
import { type ApiKeys } from "./auth.js";
import { makeRoutesPublic, registerAuth } from "./auth-hook.js";
import { problemClientErrorHandler, problemFrameworkErrors } from "./client-error.js";
import { registerErrorHandling } from "./errors.js";
import { registerGraphiql } from "./graphiql/index.js";
import { registerConsole } from "./console/index.js";
import { registerGraphql } from "./graphql/index.js";
import type { GraphqlLimits } from "./graphql/limits.js";
import { registerHttpMetrics } from "./metrics.js";
import { documentComponents } from "./openapi/components.js";
import { OPENAPI_INFO, OPENAPI_SERVERS, OPENAPI_TAGS } from "./openapi/info.js";
import { documentRoutes } from "./openapi/transform.js";
import { lazyRequestLogger } from "./request-logger.js";
import { registerRedisGuard } from "./redis-guard.js";
import { recordRoutes } from "./route-table.js";
import { healthRoutes, type Check } from "./rest/health.js";
import { imageRoutes } from "./rest/images.js";
import { jobRoutes } from "./rest/jobs.js";
import { manifestRoutes } from "./rest/manifests.js";
import { referrerRoutes } from "./rest/referrers.js";
import type { RegistryDirectory } from "../registry/directory.js";
import type { RegistryClients } from "../registry/clients.js";
import { registryRoutes } from "./rest/registries.js";
import { watchRoutes } from "./rest/watches.js";
import type { WatchService } from "../watches/service.js";
import { scheduleRoutes } from "./rest/schedules.js";
import type { ScheduleService } from "../schedules/service.js";
import { notificationRoutes } from "./rest/notifications.js";
import type { NotificationLog } from "../notify/log.js";
import { webhookRoutes } from "./rest/webhooks.js";
import { whoamiRoutes } from "./rest/whoami.js";
import { notaryRoutes } from "./rest/notary.js";
import { hostRoutes } from "./rest/hosts.js";
import { scanRoutes } from "./rest/scans.js";
import type { ScanQueries } from "../scan/queries.js";
import type { ScanStore } from "../store/scans.js";
import type { Notary } from "../sign/notary-v1/notary.js";
import type { DeliveryLog } from "../webhooks/deliveries.js";
import type { WebhookIngest } from "../webhooks/ingest.js";
import type { ImageStore } from "../store/images.js";

export interface AppDeps {
  logger: Logger;
  keys: ApiKeys;
  jobs: JobService;
  images: ImageStore;
  registries: RegistryClients;
  catalog: RegistryDirectory;
  webhooks: { ingest: WebhookIngest; log: DeliveryLog };
  scans: ScanStore;
  scanQueries: ScanQueries;
  /** Absent when no `notary` is configured: the notary routes then answer NOTARY_NOT_CONFIGURED. */
  notary?: Notary;
  events: JobEvents;
  metrics: Registry;
  readiness: () => Promise<Check[]>;
  /** False while a Redis connection of the API is down: /v1 and /graphql then answer 503. */
  redisReady?: () => boolean;
  /** Watches (/v1/watches); absent only while the OpenAPI document is generated. */
  watches?: WatchService;
  /** Schedules (/v1/schedules); absent only while the OpenAPI document is generated. */
  schedules?: ScheduleService;
  /** The outgoing-notification delivery log (GET /v1/notifications/deliveries). */
  notifications?: NotificationLog;
  /** What one GraphQL document may ask for (api.graphql); the defaults when absent. */
  graphqlLimits?: GraphqlLimits;
}

export const BODY_LIMIT = 1024 * 1024;

/** A worker-only process serves just /healthz and /readyz, for orchestrators to probe. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // An id per request in every log line of it; clients may pass their own.
    requestIdHeader: "x-request-id",
    childLoggerFactory: lazyRequestLogger,
    // What Node's parser refuses (headers over 16 KiB, not HTTP) is a problem too.
    clientErrorHandler: problemClientErrorHandler,
    frameworkErrors: problemFrameworkErrors,
  });
  recordRoutes(app);
  // Bodies are JSON (and GraphQL's application/graphql). Fastify also parses text/plain, which
  // then fails validation as a 400; unparsed like any other media type it is a 415.
  app.removeContentTypeParser("text/plain");

  // Before any plugin: a plugin's context keeps the error handler it was registered under, and
  // Swagger UI's routes (/docs) must answer problems too.
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: OPENAPI_INFO,
      servers: OPENAPI_SERVERS,
      tags: OPENAPI_TAGS,
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An API key from auth.apiKeys" } } },
      security: [{ apiKey: [] }],
    },
    transform: documentRoutes,
    transformObject: documentComponents,
  });
  if (deps.redisReady) registerRedisGuard(app, deps.redisReady);
  registerAuth(app, deps.keys);
  registerHttpMetrics(app, deps.metrics);

  // Swagger UI, GraphiQL (below) and the document are pages and scripts that hold no data: they
  // load without a key, and the requests they send carry the one given to Authorize or typed in
  // GraphiQL's headers editor. Registered after the hooks above, so those still apply.
  await app.register(async (docs) => {
    makeRoutesPublic(docs);
    await docs.register(swaggerUi, { routePrefix: "/docs" });
  });
  app.get("/openapi.json", { config: { scope: "public" }, schema: { hide: true } }, async () => app.swagger());
  app.get("/metrics", async (_request, reply) =>
    reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
  );
  // The REST routes validate and serialize with zod; Mercurius and Swagger UI keep Fastify's
  // JSON-schema compilers, so the zod compilers live in this child context only.
  await app.register(async (rest) => {
    rest.setValidatorCompiler(validatorCompiler);
    rest.setSerializerCompiler(serializerCompiler);
    await rest.register(healthRoutes(deps.readiness));
    await rest.register(jobRoutes(deps.jobs, deps.events));
    await rest.register(imageRoutes(deps.images, deps.scans));
    await rest.register(scanRoutes(deps.scanQueries));
    await rest.register(manifestRoutes(deps.registries));
    await rest.register(referrerRoutes(deps.registries));
    await rest.register(registryRoutes(deps.catalog, (ids) => deps.registries.rateLimits(ids)));
    await rest.register(watchRoutes(deps.watches));
    await rest.register(scheduleRoutes(deps.schedules, deps.jobs));
    await rest.register(notificationRoutes(deps.notifications));
    await rest.register(webhookRoutes(deps.webhooks.ingest, deps.webhooks.log));
    await rest.register(notaryRoutes(deps.notary));
    await rest.register(hostRoutes(() => deps.jobs.hostConfigs()));
    await rest.register(whoamiRoutes);
  });
  await registerGraphql(app, deps);
  await registerGraphiql(app);
  await registerConsole(app);
  return app;
}
