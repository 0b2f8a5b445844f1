// While Redis is unreachable, API requests are answered 503 at once, with Retry-After, instead
// of waiting in ioredis' offline queue until it is back: a registry retries its webhook later
// (and regops de-duplicates the retries), a client learns why instead of timing out. The
// health routes, /metrics and the docs do not go through it; /readyz says what is down.
import type { FastifyInstance } from "fastify";
import { RegopsError } from "../errors.js";

/** Routes under these prefixes keep their state in Redis (the OpenAPI document gives them a 503). */
export const NEEDS_REDIS = ["/v1/", "/graphql"];
const RETRY_AFTER_SECONDS = 5;

export function registerRedisGuard(app: FastifyInstance, redisReady: () => boolean): void {
  // A callback hook: every request runs it and it never waits.
  app.addHook("onRequest", (request, _reply, done) => {
    if (redisReady() || !NEEDS_REDIS.some((p) => request.url.startsWith(p))) {
      done();
      return;
    }
    done(new RegopsError("SERVICE_UNAVAILABLE", "Redis is unreachable: nothing can be queued or read until it is back; retry later", { retryAfter: RETRY_AFTER_SECONDS }));
  });
}
