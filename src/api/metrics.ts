// Prometheus metrics: HTTP request durations by route and status; job counts per queue and
// state, and each registry's rate-limit budget and back-offs, read from BullMQ and the shared
// rate-limit state when Prometheus scrapes (so every API process shows what the workers saw).
// The webhook counters are in webhooks/metrics.ts. `promtool check metrics` finds nothing to say
// (test/integration/promtool.test.ts).
import type { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { JobEvents } from "../jobs/events.js";
import type { Queues } from "../jobs/queues.js";
import type { RegistryDirectory } from "../registry/directory.js";
import type { RegistryClients } from "../registry/clients.js";

export interface MetricSources {
  queues: Queues;
  catalog: RegistryDirectory;
  registries: Pick<RegistryClients, "rateLimits">;
  events: Pick<JobEvents, "followers">;
}

export function createMetrics({ queues, catalog, registries, events }: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "regops_" });
  // prom-client's nodejs_active_{handles,requests,resources}_total are gauges with a counter's
  // suffix (promtool flags them) and only sum the per-type gauges it also exports:
  // sum(regops_nodejs_active_handles) is the same number.
  for (const kind of ["handles", "requests", "resources"]) registry.removeSingleMetric(`regops_nodejs_active_${kind}_total`);
  const rateLimits = () => registries.rateLimits(catalog.configs().map((c) => c.id));
  new Gauge({
    name: "regops_registry_rate_limit_remaining",
    help: "Requests left in the registry's rate-limit window, as its last ratelimit-remaining header said (Docker Hub)",
    labelNames: ["registry"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [id, state] of await rateLimits()) if (state?.remaining !== undefined) this.set({ registry: id }, state.remaining);
    },
  });
  // A counter: the count only grows (HINCRBY in shared-rate-limits.ts); it is read from Redis
  // at each scrape, so it is reset and set to the deployment's count.
  new Counter({
    name: "regops_registry_backoffs_total",
    help: "Times a registry answered 429 or 503 with Retry-After and was left alone for it, as counted across the deployment",
    labelNames: ["registry"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [id, state] of await rateLimits()) if (state?.limitedCount) this.inc({ registry: id }, state.limitedCount);
    },
  });
  // Each open SSE stream and GraphQL subscription is one listener, held for as long as its
  // client stays: a growing number is a client that never lets go.
  new Gauge({
    name: "regops_job_event_followers",
    help: "SSE streams and GraphQL subscriptions following job updates in this process",
    registers: [registry],
    collect() {
      this.set(events.followers());
    },
  });
  new Gauge({
    name: "regops_queue_jobs",
    help: "Jobs in each BullMQ queue by state",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      for (const [name, queue] of Object.entries(queues)) {
        const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized");
        for (const [state, n] of Object.entries(counts)) this.set({ queue: name, state }, n);
      }
    },
  });
  return registry;
}

export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: "regops_http_request_duration_seconds",
    help: "HTTP request duration by method, route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // A callback hook: every response runs it and it never waits, so no promise per request.
  app.addHook("onResponse", (request, reply, done) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? "unknown", status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
