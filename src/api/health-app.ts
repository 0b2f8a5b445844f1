// What a worker-only process serves: /healthz and /readyz, nothing else. Kept apart from app.ts
// so such a process never loads the API (GraphQL, Swagger, every route): less memory for scans.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "../logger.js";
import { registerErrorHandling } from "./errors.js";
import { healthRoutes, type Check } from "./rest/health.js";

export async function buildHealthApp(logger: Logger, readiness: () => Promise<Check[]>): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  registerErrorHandling(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(healthRoutes(readiness));
  return app;
}
