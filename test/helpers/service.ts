// Starts regops in-process, exactly as main.ts does, against the real stack: a random key
// prefix per test file so files never share state, API keys for each scope, port 0.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { stringify } from "yaml";
import { buildConfig, type Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startService, type Service } from "../../src/service.js";
import { checkResponsesOf } from "./contract-fetch.js";
import { redisSectionFor, startRedis } from "./stack.js";

export const KEYS = {
  admin: `admin-${randomBytes(12).toString("hex")}`,
  write: `write-${randomBytes(12).toString("hex")}`,
  read: `read-${randomBytes(12).toString("hex")}`,
};

export interface TestService {
  url: string;
  config: Config;
  service: Service;
  /** Everything the service logged, as text. */
  logs: () => string;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  redisUrl: string;
  registries: Record<string, unknown>[];
  role?: "api" | "worker" | "all";
  prefix?: string;
  extra?: Record<string, unknown>;
  env?: Record<string, string>;
  /** The service's log level (default debug); logs are kept in memory for logs(). */
  logLevel?: "debug" | "info" | "warn" | "error";
}

/** With `redisUrl`, the config also names that Redis' topology (REGOPS_TEST_REDIS=cluster|sentinel). */
export function testConfigYaml(opts: Pick<TestServiceOptions, "registries" | "extra"> & { redisUrl?: string }): string {
  const redis = opts.redisUrl ? redisSectionFor(opts.redisUrl) : undefined;
  return stringify({
    ...(redis ? { redis } : {}),
    registries: opts.registries,
    hosts: [{ id: "default", docker: process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock" }],
    auth: {
      apiKeys: [
        { id: "admin", key: KEYS.admin, scopes: ["admin"] },
        { id: "writer", key: KEYS.write, scopes: ["write"] },
        { id: "reader", key: KEYS.read, scopes: ["read"] },
      ],
    },
    jobs: { lockMs: 5000, attempts: 3 },
    ...opts.extra,
  });
}

export async function startTestService(opts: TestServiceOptions): Promise<TestService> {
  const prefix = opts.prefix ?? `t${randomBytes(4).toString("hex")}`;
  const config = buildConfig(
    {
      ...opts.env,
      REDIS_URL: opts.redisUrl,
      REGOPS_ROLE: opts.role ?? "all",
      REGOPS_PREFIX: prefix,
      PORT: "0",
      LOG_LEVEL: opts.logLevel ?? "debug",
      DOCKER_HOST: process.env.DOCKER_HOST,
    },
    testConfigYaml(opts),
  );
  let logText = "";
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const logger = createLogger(opts.logLevel ?? "debug", sink);
  const service = await startService(config, logger);
  await service.app.listen({ port: 0, host: "127.0.0.1" });
  const addr = service.app.server.address();
  const url = typeof addr === "object" && addr ? `http://127.0.0.1:${addr.port}` : "";
  checkResponsesOf(url, opts.role); // every answer the test receives is held to openapi.yaml
  return { url, config, service, logs: () => logText, close: () => service.close() };
}

/** A service on a Redis of its own, for files that need no registry: close() stops both. */
export async function startServiceOnOwnRedis(opts: Omit<TestServiceOptions, "redisUrl">): Promise<TestService> {
  const redis = await startRedis();
  try {
    const svc = await startTestService({ ...opts, redisUrl: redis.url });
    return {
      ...svc,
      async close() {
        await svc.close();
        await redis.container.stop();
      },
    };
  } catch (err) {
    await redis.container.stop();
    throw err;
  }
}

export function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** Polls a job until it reaches a final state (or the timeout). */
export async function waitForJob(url: string, id: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${url}/v1/jobs/${id}`, { headers: auth(KEYS.read) });
    const job = (await res.json()) as Record<string, unknown>;
    if (["completed", "failed", "cancelled"].includes(job.state as string)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Submits `spec` to POST /v1/jobs with `key` (default the write key) and waits for the job to
 * end. A refused submission is returned, not thrown: its problem body plus `status`, so a test
 * can assert on a refusal and on a job alike.
 */
export async function runJob(url: string, spec: Record<string, unknown>, opts: { key?: string; timeoutMs?: number } = {}): Promise<any> {
  const res = await fetch(`${url}/v1/jobs`, { method: "POST", headers: { ...auth(opts.key ?? KEYS.write), "content-type": "application/json" }, body: JSON.stringify(spec) });
  const body = await json(res);
  if (res.status !== 202) return { status: res.status, ...body };
  return waitForJob(url, body.id, opts.timeoutMs);
}

/** A response body as JSON, typed loosely for assertions. */
export async function json(res: Response | Promise<Response>): Promise<any> {
  return (await res).json();
}
