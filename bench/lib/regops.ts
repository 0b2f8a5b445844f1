// regops as a contender: the service started in-process exactly as main.ts/test helpers do,
// driven only through its REST API like any client: POST a refresh job per tag (pull: false,
// so only the registry digest is checked), then read the jobs back.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Pool } from "undici";
import { stringify } from "yaml";
import { buildConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startService, type Service } from "../../src/service.js";
import { inParallel, type RoundResult } from "./peers.js";
import { onCleanup } from "./procs.js";

export interface JobView {
  id: string;
  state: string;
  image?: string;
  result?: { digest?: string; [field: string]: unknown };
  error?: { code: string; message: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** Per-job timings read back from the records (ms), for finding where time goes. */
export interface JobTimings {
  /** POST sent -> 202 received, as the client saw it. */
  postMs: number[];
  /** createdAt -> startedAt: waiting in the queue until a worker picked the job up. */
  queueMs: number[];
  /** startedAt -> finishedAt: the processor plus the record writes around it. */
  runMs: number[];
}

export interface RegopsRound extends RoundResult {
  /** First POST -> last 202. */
  submitMs: number;
  timings: JobTimings;
}

export interface RegopsOptions {
  redisUrl: string;
  registryBase: string;
  /** Further registries jobs may use (ids bench-2, bench-3, ...), e.g. a copy's target. */
  extraRegistryBases?: string[];
  /** How many POSTs the client keeps in flight. */
  clientConcurrency: number;
  /** Extra `jobs:` settings for the config file (default: the shipped defaults). */
  jobs?: Record<string, unknown>;
  /** Where the (unused) Docker host points, and where the worker's config file goes. */
  scratchDir: string;
  /**
   * false: one process does both (REGOPS_ROLE=all). true: the API runs here and the worker as
   * its own process (REGOPS_ROLE=worker), the way docker-compose.yml deploys them.
   */
  split?: boolean;
}

export class RegopsContender {
  private constructor(
    readonly service: Service,
    readonly url: string,
    readonly prefix: string,
    /** The worker process when split, for CPU accounting. */
    readonly worker: ChildProcess | undefined,
    private readonly key: string,
    private readonly client: Pool,
    private readonly clientConcurrency: number,
  ) {}

  static async start(opts: RegopsOptions): Promise<RegopsContender> {
    const key = `bench-${randomBytes(16).toString("hex")}`;
    const prefix = `bench${randomBytes(4).toString("hex")}`;
    const yaml = stringify({
      registries: [
        { id: "bench", url: opts.registryBase, kind: "distribution", insecure: true },
        ...(opts.extraRegistryBases ?? []).map((url, i) => ({ id: `bench-${i + 2}`, url, kind: "distribution", insecure: true })),
      ],
      // pull: false never talks to a Docker engine. The host points at a socket that does not
      // exist, so the bench cannot touch the machine's shared dockerd even by mistake.
      hosts: [{ id: "default", docker: `unix://${join(opts.scratchDir, "no-docker.sock")}` }],
      auth: { apiKeys: [{ id: "bench", key, scopes: ["write"] }] },
      ...(opts.jobs ? { jobs: opts.jobs } : {}),
    });
    // Only what the bench sets: nothing from this shell's environment (REGOPS_CONFIG, ...) leaks in.
    const env = { REDIS_URL: opts.redisUrl, REGOPS_PREFIX: prefix, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" };
    const config = buildConfig({ ...env, REGOPS_ROLE: opts.split ? "api" : "all" }, yaml);
    let worker: ChildProcess | undefined;
    if (opts.split) {
      const configPath = join(opts.scratchDir, "regops.yaml");
      writeFileSync(configPath, yaml);
      worker = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: new URL("../..", import.meta.url).pathname,
        env: { PATH: process.env.PATH, ...env, REGOPS_ROLE: "worker", REGOPS_CONFIG: configPath },
        stdio: ["ignore", "ignore", "inherit"],
      });
      const child = worker;
      onCleanup(() => child.kill("SIGKILL"));
    }
    const service = await startService(config, createLogger("silent"));
    await service.app.listen({ port: 0, host: "127.0.0.1" });
    const addr = service.app.server.address();
    if (typeof addr !== "object" || !addr) throw new Error("regops is not listening");
    const url = `http://127.0.0.1:${addr.port}`;
    const client = new Pool(url, { connections: opts.clientConcurrency, keepAliveTimeout: 30_000 });
    return new RegopsContender(service, url, prefix, worker, key, client, opts.clientConcurrency);
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await this.client.request({
      method,
      path,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, json: (await res.body.json()) as T };
  }

  async getJob(id: string): Promise<JobView> {
    const { status, json } = await this.call<JobView>("GET", `/v1/jobs/${id}`);
    if (status !== 200) throw new Error(`GET /v1/jobs/${id} answered ${status}: ${JSON.stringify(json)}`);
    return json;
  }

  /**
   * Submits one job of any type and waits until it is final (one GET every `pollMs`). `ms` is
   * POST sent -> the record's finishedAt (same process, same clock, ms resolution), so the poll
   * interval changes the load, not the measurement. Throws unless the job completed.
   */
  async runJob(spec: Record<string, unknown>, opts: { pollMs?: number; timeoutMs?: number } = {}): Promise<{ job: JobView; ms: number }> {
    const { pollMs = 20, timeoutMs = 300_000 } = opts;
    const t0 = Date.now();
    const { status, json } = await this.call<JobView>("POST", "/v1/jobs", spec);
    if (status !== 202) throw new Error(`POST /v1/jobs answered ${status}: ${JSON.stringify(json)}`);
    const deadline = t0 + timeoutMs;
    let job = json;
    while (!["completed", "failed", "cancelled"].includes(job.state)) {
      if (Date.now() > deadline) throw new Error(`job ${job.id} still ${job.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
      job = await this.getJob(json.id);
    }
    if (job.state !== "completed") {
      throw new Error(`${String(spec.type)} job ${job.id} ${job.state}: ${job.error?.code ?? ""} ${job.error?.message ?? ""}`);
    }
    const finished = Date.parse(job.finishedAt ?? "");
    if (!Number.isFinite(finished)) throw new Error(`job ${job.id} completed without finishedAt`);
    return { job, ms: Math.max(finished - t0, 0) };
  }

  /**
   * One round: a refresh job per image reference, then wait for all of them.
   * The round's time is first POST -> the latest `finishedAt` among its records (same process,
   * same clock), so how often the bench polls changes the load but not the measurement.
   */
  async round(refs: readonly { tag: string; image: string }[], onLastDone?: () => void): Promise<RegopsRound> {
    const ids: string[] = new Array(refs.length);
    const postMs: number[] = new Array(refs.length);
    const t0 = Date.now();
    const p0 = performance.now();
    await inParallel(refs, this.clientConcurrency, async ({ image }, i) => {
      const sent = performance.now();
      const { status, json } = await this.call<JobView>("POST", "/v1/jobs", { type: "refresh", image, pull: false });
      postMs[i] = performance.now() - sent;
      if (status !== 202) throw new Error(`POST /v1/jobs for ${image} answered ${status}: ${JSON.stringify(json)}`);
      ids[i] = json.id;
    });
    const submitMs = performance.now() - p0;

    const jobs = await this.waitAll(ids, onLastDone);

    const digests = new Map<string, string>();
    const timings: JobTimings = { postMs, queueMs: [], runMs: [] };
    let lastFinish = 0;
    jobs.forEach((job, i) => {
      const digest = job.result?.digest;
      if (!digest) throw new Error(`job ${job.id} (${refs[i]!.image}) completed without result.digest`);
      digests.set(refs[i]!.tag, digest);
      const created = Date.parse(job.createdAt);
      const started = Date.parse(job.startedAt ?? job.createdAt);
      const finished = Date.parse(job.finishedAt ?? "");
      if (!Number.isFinite(finished)) throw new Error(`job ${job.id} completed without finishedAt`);
      timings.queueMs.push(started - created);
      timings.runMs.push(finished - started);
      lastFinish = Math.max(lastFinish, finished);
    });
    // finishedAt has ms resolution: never report less than the submit phase itself took.
    return { ms: Math.max(lastFinish - t0, submitMs), submitMs, digests, timings };
  }

  /**
   * Waits until every job is final, cheaply: while the round runs, one GET every 20 ms of the
   * last job in the list (among the last submitted; jobs start in FIFO order, so it is about
   * the last to finish). A list call would cost the service ~2x limit HGETALLs per poll (see
   * list() in src/store/jobs.ts), which on this 2-core box would compete with the jobs being
   * measured. `onLastDone` then marks the end of the round for CPU accounting, and every job
   * is read once to collect results; any not final yet is polled until it is.
   */
  private async waitAll(ids: readonly string[], onLastDone?: () => void, timeoutMs = 120_000): Promise<JobView[]> {
    const deadline = Date.now() + timeoutMs;
    const final = (j: JobView) => ["completed", "failed", "cancelled"].includes(j.state);
    const tail = ids[ids.length - 1]!;
    while (!final(await this.getJob(tail))) {
      if (Date.now() > deadline) throw new Error(`job ${tail} not final after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    onLastDone?.();
    const out: JobView[] = new Array(ids.length);
    await inParallel(ids, 16, async (id, i) => {
      for (;;) {
        const job = await this.getJob(id);
        if (final(job)) {
          out[i] = job;
          return;
        }
        if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    const bad = out.filter((j) => j.state !== "completed");
    if (bad.length) {
      const first = bad[0]!;
      throw new Error(
        `${bad.length} of ${ids.length} refresh jobs did not complete; first: ${first.id} ${first.state} ${first.error?.code ?? ""} ${first.error?.message ?? ""}`,
      );
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.service.close();
    this.worker?.kill("SIGTERM");
  }
}
