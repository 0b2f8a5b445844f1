// The app built only to be described: `npm run openapi` writes its document to openapi.yaml,
// and the OpenAPI tests read its route table and document without starting any dependency.
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { buildApp } from "../app.js";
import { ApiKeys } from "../auth.js";
import { createLogger } from "../../logger.js";

// Building the app touches no dependency: the services are never called while documenting.
const unused = new Proxy({}, { get: () => { throw new Error("not available while generating the OpenAPI document"); } });

/** The app as the service builds it, with every dependency left out; call `close()` after. */
export async function buildDocumentApp(): Promise<FastifyInstance> {
  const app = await buildApp({
    logger: createLogger("silent"),
    keys: new ApiKeys([]),
    jobs: unused as never,
    images: unused as never,
    registries: unused as never,
    catalog: unused as never,
    webhooks: { ingest: unused as never, log: unused as never },
    scans: unused as never,
    scanQueries: unused as never,
    events: unused as never,
    metrics: new Registry(),
    readiness: async () => [],
  });
  await app.ready();
  return app;
}
