// Wires the process together from a Config, in four steps: connect (Redis, store, queues,
// registries), core (the services both sides use), workers (REGOPS_ROLE worker or all) and api
// (the whole API, or only the health routes for REGOPS_ROLE=worker). main.ts calls it;
// integration tests call it too, so what they test is what runs.
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import type { WorkerPool } from "../workers/index.js";
import { startApiSide } from "./service/api.js";
import { connect } from "./service/connect.js";
import { buildCore } from "./service/core.js";
import { readinessOf } from "./service/readiness.js";
import { loadSigning } from "./sign/material.js";
import type { Closer } from "./service/redis.js";
import { startWorkerSide } from "./service/workers.js";

export interface Service {
  /** The full API, or only the health routes for REGOPS_ROLE=worker. */
  app: FastifyInstance;
  workers?: WorkerPool;
  close(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<Service> {
  // Keys, certificates and the trust policy are read before anything connects: a bad one is a
  // ConfigError naming its field, and main.ts exits 2 as for any other bad config.
  const signing = await loadSigning(config);
  const connections = await connect(config, logger);
  const core = buildCore(config, connections, signing);
  const workers = config.role !== "api" ? await startWorkerSide(config, logger, connections, core) : undefined;
  const api = await startApiSide(config, logger, connections, core, readinessOf(config, connections.redis, connections.hosts));
  // Stop serving first, then the workers (each before what it uses), and the connections last.
  const closers: Closer[] = [...api.first, ...connections.closers, ...(workers?.closers ?? []), ...api.later, ...core.closers];
  return {
    app: api.app,
    workers: workers?.pool,
    async close() {
      for (const close of closers) await close().catch((err: unknown) => logger.warn({ err }, "error while closing"));
      await connections.close();
    },
  };
}
