// docker-compose.yml as Debian's docker-compose 1.29 reads it, then run for real:
// - `docker-compose config`: `--scale api=2 --scale worker=3` needs an api service without one
//   fixed host port, and a worker's stop grace must outlast jobs.shutdownMs or SIGKILL cuts the
//   graceful shutdown short;
// - `up --scale api=2 --scale worker=3` of the image the Dockerfile builds (on a local Node base
//   when Docker Hub is out of reach, test/helpers/node-base-image.ts): jobs submitted through
//   each api replica are run by the workers, and the 5 processes meet only in the compose Redis.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse, stringify } from "yaml";
import { buildConfig } from "../../src/config.js";
import { writeTestCertificateFiles } from "../../src/sign/notation/test-certificate-files.js";
import { ComposeProject } from "../helpers/compose-project.js";
import { checkResponsesOf } from "../helpers/contract-fetch.js";
import { IMAGES } from "../helpers/images.js";
import { nodeBaseImage } from "../helpers/node-base-image.js";
import { pushPlatformImage } from "../helpers/oci.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

function seconds(duration: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m) throw new Error(`unexpected duration ${duration}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

describe("docker-compose.yml", () => {
  it("when read by docker-compose, then api can be scaled (a host port range) and workers get more than jobs.shutdownMs to stop", async () => {
    const { stdout } = await run("docker-compose", ["config"], { cwd: root, env: { ...process.env, REGOPS_API_KEY: "x".repeat(24) } });
    const services = parse(stdout).services;
    const apiPorts: string[] = services.api.ports.map((p: unknown) => (typeof p === "string" ? p : JSON.stringify(p)));
    expect(apiPorts).toHaveLength(1);
    const [, first, last] = /:(\d+)-(\d+):8080/.exec(apiPorts[0]!) ?? [];
    expect(Number(last) - Number(first)).toBeGreaterThanOrEqual(1);
    expect(services.worker.ports).toBeUndefined();
    expect(services.api.environment.REGOPS_ROLE).toBe("api");
    expect(services.worker.environment.REGOPS_ROLE).toBe("worker");
    expect(services.api.image).toBe(services.worker.image);
    const shutdownMs = buildConfig({}, "").jobs.shutdownMs;
    expect(seconds(services.worker.stop_grace_period) * 1000).toBeGreaterThan(shutdownMs);
  });
});

// --- the real run ---------------------------------------------------------------------------------

const API_KEY = randomBytes(24).toString("hex");
const project = `regops-compose-${randomBytes(4).toString("hex")}`;
// A tag per run, so that runs side by side never re-point each other's image. Afterwards the
// image becomes `:last` and the previous `:last` goes, with the layers only it used: what the
// next build reuses (npm ci and everything before a changed file) stays as docker's layer cache.
const image = `regops-compose-test:${project}`;
const LAST = "regops-compose-test:last";
// uid of `node` in the image: it must be able to read the mounted signing key
const NODE_UID = 1000;
let work: string;
let compose: ComposeProject;
let apis: string[] = [];
const timings: Record<string, number> = {};

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = Date.now() - t0;
  }
}

async function call(api: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * What docker-compose.yml mounts from deploy/ (gitignored, made by hand once) comes from a
 * scratch directory instead: the worktree is left as it was. The key goes to uid 1000, as a
 * deployment must do too (a root-owned 0600 key is unreadable to the service).
 */
async function signingMaterial(): Promise<string> {
  const notation = join(work, "notation");
  const notaryCerts = join(work, "notary-certs");
  await mkdir(notaryCerts, { recursive: true });
  const files = await writeTestCertificateFiles(notation, { name: "regops", keyType: "ec", days: 1 });
  await chown(files.key, NODE_UID, NODE_UID);
  await chmod(work, 0o755);
  const override = join(work, "compose.override.yml");
  const volumes = [`${notation}:/etc/regops/notation:ro`, `${notaryCerts}:/etc/regops/notary-certs:ro`];
  await writeFile(override, stringify({ version: "3.8", services: { api: { volumes }, worker: { volumes } } }));
  return override;
}

const imageId = (ref: string) => run("docker", ["image", "inspect", "--format", "{{.Id}}", ref]).then((r) => r.stdout.trim(), () => undefined);

async function keepAsLast(): Promise<void> {
  const [built, previous] = await Promise.all([imageId(image), imageId(LAST)]);
  if (!built) return;
  await run("docker", ["tag", image, LAST]);
  await run("docker", ["rmi", image]); // only the tag: `:last` holds the image now
  // refused (and left) while a run side by side still uses it under its own tag
  if (previous && previous !== built) await run("docker", ["rmi", previous]).catch(() => undefined);
}

const gid = async (path: string) => String((await stat(path)).gid);

describe("docker-compose up --scale api=2 --scale worker=3", () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "regops-compose-"));
    const override = await signingMaterial();
    const socket = (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, "");
    compose = new ComposeProject({
      dir: root,
      project,
      overrides: [override],
      env: {
        REGOPS_IMAGE: image,
        REGOPS_NODE_IMAGE: await timed("base image", nodeBaseImage),
        REGOPS_REDIS_IMAGE: IMAGES.redis,
        REGOPS_REGISTRY_IMAGE: IMAGES.registry,
        // 0: each replica (and the registry) gets a free ephemeral host port, never one in use
        REGOPS_API_PORTS: "0",
        REGOPS_REGISTRY_PORT: "0",
        REGOPS_API_KEY: API_KEY,
        DOCKER_GID: await gid(socket),
        LOG_LEVEL: "warn",
      },
    });
    // one build serves both services (same image tag)
    await timed("build", () => compose.run(["build", "api"], 10 * 60_000));
    await timed("up", () => compose.run(["up", "-d", "--no-build", "--scale", "api=2", "--scale", "worker=3"]));
    apis = await Promise.all([1, 2].map((i) => compose.port("api", 8080, i)));
    // the image's answers are held to openapi.yaml like those of the services the other tests start
    for (const api of apis) checkResponsesOf(`http://${api}`, "api");
    await timed("ready", () =>
      vi.waitFor(
        async () => {
          // a bounded request: one that hangs (a replica still starting) must not use up the wait
          for (const api of apis) expect((await fetch(`http://${api}/healthz`, { signal: AbortSignal.timeout(2000) }))?.status).toBe(200);
        },
        { timeout: 120_000, interval: 250 },
      ),
    ).catch(async (err: unknown) => {
      const logs = await compose.run(["logs", "--no-color", "--tail", "20", "api", "worker"]).catch((e: Error) => e.message);
      throw new Error(`the api replicas did not answer /healthz: ${String(err)}\n${logs}`, { cause: err });
    });
  }, 15 * 60_000);

  afterAll(async () => {
    console.warn(`compose run timings (ms): ${JSON.stringify(timings)}`);
    await compose?.down();
    await keepAsLast().catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it("when jobs are submitted through each api replica, then the workers run each once and both replicas show the same records", async () => {
    const registry = await compose.port("registry", 5000);
    const repo = `compose-${randomBytes(3).toString("hex")}/app`;
    const pushed = await pushPlatformImage(`http://${registry}`, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    // as the containers name it: deploy/regops.yaml's registry `local` is http://registry:5000
    const ref = `registry:5000/${repo}:v1`;
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await call(apis[i % 2]!, "POST", "/v1/jobs", { type: "refresh", image: ref, pull: false, force: true });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      ids.push(res.body.id);
    }
    expect(new Set(ids).size).toBe(12);
    for (const [i, id] of ids.entries()) {
      // read through the replica it was NOT submitted to
      const other = apis[(i + 1) % 2]!;
      const job = await vi.waitFor(
        async () => {
          const res = await call(other, "GET", `/v1/jobs/${id}`);
          expect(res.status).toBe(200);
          expect(["completed", "failed", "cancelled"]).toContain(res.body.state);
          return res.body;
        },
        { timeout: 60_000, interval: 100 },
      );
      expect(job, JSON.stringify(job)).toMatchObject({ state: "completed", attempts: 1, result: { digest: pushed.digest } });
      expect((await call(apis[i % 2]!, "GET", `/v1/jobs/${id}`)).body).toEqual(job);
    }
  }, 180_000);

  it("when Redis lists its clients, then each of the 3 worker containers takes jobs from it and the 2 api containers use it too", async () => {
    const [workerIps, apiIps] = await Promise.all([compose.addresses("worker"), compose.addresses("api")]);
    expect(new Set(workerIps).size).toBe(3);
    expect(new Set(apiIps).size).toBe(2);
    const clients = (await compose.run(["exec", "-T", "redis", "redis-cli", "CLIENT", "LIST"]))
      .split("\n")
      .filter(Boolean)
      .map((line) => Object.fromEntries(line.split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])));
    const ip = (c: Record<string, string>) => c.addr!.slice(0, c.addr!.lastIndexOf(":"));
    // BullMQ names a worker's blocking connection `<queue prefix>:<base64 of the queue name>`
    const refreshTakers = new Set(clients.filter((c) => c.name?.endsWith(`:${Buffer.from("refresh").toString("base64")}`)).map(ip));
    expect([...refreshTakers].sort()).toEqual([...workerIps].sort());
    const peers = new Set(clients.map(ip).filter((a) => a !== "127.0.0.1"));
    expect([...peers].sort()).toEqual([...workerIps, ...apiIps].sort());
    // and the replicas are ready, Redis included
    for (const api of apis) {
      const res = await fetch(`http://${api}/readyz`);
      expect(res.status, await res.text()).toBe(200);
    }
  }, 60_000);
});
