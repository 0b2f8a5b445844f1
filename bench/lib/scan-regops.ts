// regops for bench/scan: the API in this process (as bench/lib/regops.ts starts it) and the
// worker as its own process (REGOPS_ROLE=worker, as docker-compose.yml deploys it), so the
// worker's memory can be read from /proc/<pid>/status alone. The config points scanner.osv at
// a directory the bench writes; the key has the admin scope, for POST /v1/scanner/db/reload.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Pool } from "undici";
import { stringify } from "yaml";
import { buildConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startService, type Service } from "../../src/service.js";
import { onCleanup } from "./procs.js";
import type { JobView } from "./regops.js";

export interface ScanRegopsOptions {
  redisUrl: string;
  registryBase: string;
  osvDir: string;
  scratchDir: string;
  /** Extra node flags for the worker, e.g. --cpu-prof. */
  workerNodeArgs?: string[];
  /**
   * The worker's entry: undefined runs src/main.ts through tsx (as bench/lib/regops.ts does);
   * a path runs that compiled main.js with plain node, as `npm start` and the Dockerfile do
   * (tsx's loader alone adds ~35 MiB of RSS).
   */
  workerMainJs?: string;
}

/**
 * Compiles the tree with tsc into a temp dir (never into ./dist, which others may use) and
 * returns the path of main.js. node_modules and schema/ are symlinked next to it so imports
 * and the GraphQL schema resolve as they do from ./dist.
 */
export async function buildWorker(dir: string): Promise<string> {
  const root = new URL("../..", import.meta.url).pathname;
  const out = join(dir, "dist");
  const tsc = spawn(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json"), "--outDir", out], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  tsc.stdout.on("data", (d: Buffer) => (log += d.toString()));
  tsc.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const code = await new Promise<number | null>((r) => tsc.once("close", r));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  symlinkSync(join(root, "schema"), join(dir, "schema"));
  const main = join(out, "src/main.js");
  if (!existsSync(main)) throw new Error(`tsc (exit ${code}) did not emit ${main}:\n${log.slice(-2000)}`);
  // The tree is edited by others while the bench runs: type errors elsewhere still emit JS.
  if (code !== 0) console.warn(`bench: tsc exited ${code} (emitted anyway); first lines:\n${log.split("\n").slice(0, 5).join("\n")}`);
  return main;
}

/** VmRSS / VmHWM of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Samples VmRSS of `pid` every `everyMs` until stopped; returns the largest seen. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number } {
  let peak = memoryOf(pid).rss;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memoryOf(pid).rss);
    } catch {
      // the process is gone: keep what was seen
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, memoryOf(pid).rss);
      } catch {
        // as above
      }
      return peak;
    },
  };
}

export class ScanRegops {
  private constructor(
    readonly service: Service,
    readonly url: string,
    readonly worker: ChildProcess & { pid: number },
    private readonly key: string,
    private readonly client: Pool,
  ) {}

  static async start(opts: ScanRegopsOptions): Promise<ScanRegops> {
    const key = `bench-${randomBytes(16).toString("hex")}`;
    const prefix = `bench${randomBytes(4).toString("hex")}`;
    const yaml = stringify({
      registries: [{ id: "bench", url: opts.registryBase, kind: "distribution", insecure: true }],
      // A socket that does not exist: the bench never touches the machine's dockerd.
      hosts: [{ id: "default", docker: `unix://${join(opts.scratchDir, "no-docker.sock")}` }],
      auth: { apiKeys: [{ id: "bench", key, scopes: ["read", "write", "admin"] }] },
      scanner: { engine: "builtin", osv: [opts.osvDir] },
    });
    const env = { REDIS_URL: opts.redisUrl, REGOPS_PREFIX: prefix, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" };
    const configPath = join(opts.scratchDir, "regops.yaml");
    writeFileSync(configPath, yaml);
    const entry = opts.workerMainJs ? [opts.workerMainJs] : ["--import", "tsx", "src/main.ts"];
    const worker = spawn(process.execPath, [...(opts.workerNodeArgs ?? []), ...entry], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { PATH: process.env.PATH, ...env, REGOPS_ROLE: "worker", REGOPS_CONFIG: configPath },
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (worker.pid === undefined) throw new Error("could not start the regops worker");
    onCleanup(() => {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
    });
    const config = buildConfig({ ...env, REGOPS_ROLE: "api" }, yaml);
    const service = await startService(config, createLogger("silent"));
    await service.app.listen({ port: 0, host: "127.0.0.1" });
    const addr = service.app.server.address();
    if (typeof addr !== "object" || !addr) throw new Error("regops is not listening");
    const url = `http://127.0.0.1:${addr.port}`;
    const client = new Pool(url, { connections: 2, keepAliveTimeout: 30_000 });
    const rc = new ScanRegops(service, url, worker as ChildProcess & { pid: number }, key, client);
    // The worker reports its database in Redis once it has loaded it: then it takes jobs.
    await rc.waitForDb((v) => v !== null, 60_000);
    return rc;
  }

  async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await this.client.request({
      method,
      path,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, json: (await res.body.json()) as T };
  }

  async dbVersion(): Promise<string | null> {
    const { json } = await this.call<{ version: string | null }>("GET", "/v1/scanner/db");
    return json.version;
  }

  async waitForDb(ok: (version: string | null) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.worker.exitCode !== null) throw new Error(`the regops worker exited (${this.worker.exitCode})`);
      const v = await this.dbVersion();
      if (ok(v)) return v!;
      if (Date.now() > deadline) throw new Error(`the worker's OSV database is still ${v} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** POST /v1/scanner/db/reload, then waits until the worker reports a version other than `previous`. */
  async reload(previous: string): Promise<string> {
    const { status } = await this.call("POST", "/v1/scanner/db/reload", {});
    if (status !== 202) throw new Error(`POST /v1/scanner/db/reload answered ${status}`);
    return this.waitForDb((v) => v !== null && v !== previous);
  }

  /** One scan job: POST -> the record's finishedAt (same clock), polling every `pollMs`. */
  async scan(image: string, pollMs = 50, timeoutMs = 600_000): Promise<{ job: JobView; ms: number }> {
    const t0 = Date.now();
    const { status, json } = await this.call<JobView>("POST", "/v1/jobs", { type: "scan", image });
    if (status !== 202) throw new Error(`POST /v1/jobs answered ${status}: ${JSON.stringify(json)}`);
    let job = json;
    while (!["completed", "failed", "cancelled"].includes(job.state)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`scan job ${job.id} still ${job.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, pollMs));
      const got = await this.call<JobView>("GET", `/v1/jobs/${json.id}`);
      if (got.status !== 200) throw new Error(`GET /v1/jobs/${json.id} answered ${got.status}`);
      job = got.json;
    }
    if (job.state !== "completed") throw new Error(`scan job ${job.id} ${job.state}: ${job.error?.code ?? ""} ${job.error?.message ?? ""}`);
    const finished = Date.parse(job.finishedAt ?? "");
    if (!Number.isFinite(finished)) throw new Error(`job ${job.id} completed without finishedAt`);
    return { job, ms: Math.max(finished - t0, 0) };
  }

  /** Stops the worker with SIGTERM (so --cpu-prof writes its profile), then the API. */
  async close(): Promise<void> {
    const w = this.worker;
    if (w.exitCode === null && w.signalCode === null) {
      const exited = new Promise<void>((r) => w.once("exit", () => r()));
      w.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    await this.client.close();
    await this.service.close();
  }
}
