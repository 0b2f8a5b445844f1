// bench/webhooks: how fast regops ingests registry webhook deliveries, against a bare Fastify
// route that only parses the same JSON bodies and answers, on the same machine, with the same
// client. Goal from the issue: regops >= 50 % of the bare route's rate. Beside it, for reading
// the "-new" rows, the same bare route adding one BullMQ job per delivery: the least that any
// receiver which queues work per delivery has to do.
//
// regops runs as REGOPS_ROLE=api (what receives webhooks in a deployment; workers elsewhere)
// against its own redis-server, with its default logging (info, to /dev/null here). The client
// runs on a thread of its own, so the servers get this process's main thread to themselves.
// Every round prints CPU per delivery: this process's main thread (the servers) and Redis.
// Scenarios:
//   harbor-new        Harbor 2.x PUSH_ARTIFACT, a new tag and digest every delivery: a refresh job
//                     each (checked: the refresh queue grows by exactly the deliveries answered)
//   harbor-dup        the same delivery again and again: de-duplicated, no job (a registry's retries,
//                     a multi-arch push's repeats)
//   distribution-new  a distribution envelope (manifest push + 2 layer pushes), a new tag and
//                     digest each
//
//   npm run bench:webhooks      env: BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_INFLIGHT=64 BENCH_ONLY=<scenario>
//                               BENCH_PROFILE_REGOPS=1 (regops only, no peers: for node --cpu-prof)
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import Fastify from "fastify";
import { Redis } from "ioredis";
import { stringify } from "yaml";
import { buildConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startService } from "../src/service.js";
import { queuePrefix } from "../src/store/keys.js";
import { runLoad } from "./lib/load.js";
import { cleanupNow, cpuMsOf, mainThreadCpuMsOf, startRedis } from "./lib/procs.js";
import { median, round, table } from "./lib/stats.js";

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), "results");
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
const SECONDS = num("BENCH_SECONDS", 5);
const ROUNDS = num("BENCH_ROUNDS", 3);
const INFLIGHT = num("BENCH_INFLIGHT", 64);
const SECRET = randomBytes(16).toString("hex");

// Replaced by the load generator with each request's number: a new tag and digest every delivery.
const N = "__N__";
// A digest unique to this run and request: 48 random hex digits, then the request's 16.
const digest = (n: string) => `sha256:${randomBytes(24).toString("hex")}${n}`;
// A tag unique to this run and request (a tag seen in an earlier round would supersede, that
// is cancel, the earlier round's job: right for regops, wrong for counting).
const tag = (n: string) => `t${randomBytes(4).toString("hex")}-${n}`;

function harbor(tag: string, d: string): string {
  return JSON.stringify({
    type: "PUSH_ARTIFACT",
    occur_at: 1737446601,
    operator: "admin",
    event_data: {
      resources: [{ digest: d, tag, resource_url: `harbor.example.com/library/app:${tag}` }],
      repository: { date_created: 1737446600, name: "app", namespace: "library", repo_full_name: "library/app", repo_type: "private" },
    },
  });
}

function distribution(tag: string, d: string): string {
  const event = (mediaType: string, dg: string, withTag: boolean) => ({
    id: randomBytes(8).toString("hex"),
    timestamp: new Date().toISOString(),
    action: "push",
    target: { mediaType, digest: dg, size: 1234, length: 1234, repository: "team/app", url: `http://registry.local/v2/team/app/manifests/${dg}`, ...(withTag ? { tag } : {}) },
    request: { id: "r", addr: "10.0.0.1", host: "registry.local", method: "PUT", useragent: "docker/20.10" },
    actor: { name: "ci" },
    source: { addr: "registry-0:5000" },
  });
  return JSON.stringify({
    events: [
      event("application/vnd.docker.image.rootfs.diff.tar.gzip", digest(N), false),
      event("application/vnd.docker.image.rootfs.diff.tar.gzip", digest(N), false),
      event("application/vnd.docker.distribution.manifest.v2+json", d, true),
    ],
  });
}

interface Scenario {
  name: string;
  path: string;
  contentType: string;
  headers: Record<string, string>;
  /** A body template; every N in it becomes the request's number. Made anew for each round. */
  body: () => string;
  /** Every delivery makes a refresh job (checked after each regops round). */
  newJobs: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: "harbor-new", path: "/v1/webhooks/harbor", contentType: "application/json", headers: { authorization: SECRET }, body: () => harbor(tag(N), digest(N)), newJobs: true },
  { name: "harbor-dup", path: "/v1/webhooks/harbor", contentType: "application/json", headers: { authorization: SECRET }, body: () => harbor("v1", `sha256:${"d".repeat(64)}`), newJobs: false },
  {
    name: "distribution-new",
    path: "/v1/webhooks/dist",
    contentType: "application/vnd.docker.distribution.events.v1+json",
    headers: { authorization: `Bearer ${SECRET}` },
    body: () => distribution(tag(N), digest(N)),
    newJobs: true,
  },
];

/** Sends deliveries with INFLIGHT in flight for SECONDS from another thread; returns deliveries/s (all must be 2xx). */
async function drive(base: string, path: string, s: Scenario, redisPid: number, refreshes?: Queue): Promise<Round> {
  const jobsBefore = refreshes ? await refreshes.count() : 0;
  // The template is made before the clock starts: the client's JSON work is not the servers'.
  const body = s.body();
  const main0 = mainThreadCpuMsOf("self");
  const redis0 = cpuMsOf(redisPid).own;
  const r = await runLoad({ base, path, headers: { "content-type": s.contentType, ...s.headers }, body, counter: N, seconds: SECONDS, inflight: INFLIGHT });
  if (r.failed) throw new Error(`${s.name}: ${r.failed} of ${r.done} deliveries failed, e.g. ${r.firstFailure}`);
  // Each delivery was answered after its job was queued: the count must match now.
  const made = refreshes ? (await refreshes.count()) - jobsBefore : 0;
  if (refreshes && s.newJobs && made !== r.done) throw new Error(`${s.name}: ${r.done} new deliveries made ${made} refresh jobs`);
  // CPU per delivery: the server's JavaScript thread (the client has a thread of its own) and Redis.
  const us = (ms: number) => (ms * 1000) / r.done;
  return { rate: r.perSecond, mainUs: us(mainThreadCpuMsOf("self") - main0), redisUs: us(cpuMsOf(redisPid).own - redis0) };
}

interface Round {
  rate: number;
  mainUs: number;
  redisUs: number;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const config = buildConfig(
    { REDIS_URL: redis.url, REGOPS_ROLE: "api", REGOPS_PREFIX: "benchwh", PORT: "0" },
    stringify({
      registries: [
        { id: "harbor", url: "https://harbor.example.com", kind: "harbor", webhook: { secret: SECRET } },
        { id: "dist", url: "https://registry.local", kind: "distribution", webhook: { secret: SECRET } },
      ],
      auth: { apiKeys: [{ id: "bench", key: randomBytes(16).toString("hex"), scopes: ["read"] }] },
    }),
  );
  const queueConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const refreshes = new Queue("refresh", { connection: queueConnection, prefix: queuePrefix("benchwh") });
  const devNull = new Writable({ write: (_c, _e, cb) => cb() });
  const regops = await startService(config, createLogger("info", devNull));
  await regops.app.listen({ port: 0, host: "127.0.0.1" });
  const regopsBase = `http://127.0.0.1:${(regops.app.server.address() as { port: number }).port}`;

  // The peer the goal names: Fastify's default JSON parser and nothing else. Beside it, for
  // reading the "-new" scenarios, the least any receiver that queues work must do: the same
  // route adding one BullMQ job per delivery (on its own queue, same Redis).
  const bare = Fastify({ bodyLimit: 1024 * 1024 });
  bare.addContentTypeParser(["application/vnd.docker.distribution.events.v1+json"], { parseAs: "string" }, (_r, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const peerQueue = new Queue("bench-peer", { connection: queueConnection, prefix: "{benchpeer}" });
  bare.post("/hook", async () => ({ ok: true }));
  bare.post("/hook-job", async () => {
    const id = randomUUID();
    await peerQueue.add("refresh", { type: "refresh", id }, { jobId: id, attempts: 3, removeOnComplete: 1000 });
    return { ok: true, id };
  });
  await bare.listen({ port: 0, host: "127.0.0.1" });
  const bareBase = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  type Who = "regops" | "bare" | "bareJob";
  const contenders: Record<Who, (s: Scenario) => Promise<Round>> = {
    regops: (s) => drive(regopsBase, s.path, s, redis.pid, refreshes),
    bare: (s) => drive(bareBase, "/hook", s, redis.pid),
    bareJob: (s) => drive(bareBase, "/hook-job", s, redis.pid),
  };
  const all = Object.keys(contenders) as Who[];
  const rates: Record<string, Record<Who, Round[]>> = {};
  try {
    for (const s of SCENARIOS.filter((x) => !process.env.BENCH_ONLY || x.name === process.env.BENCH_ONLY)) {
      rates[s.name] = { regops: [], bare: [], bareJob: [] };
      await contenders.regops(s); // warm-up
      for (let r = 0; r < ROUNDS; r++) {
        // Rotate who goes first, so no one always runs on a warmer machine.
        const order = [...all.slice(r % all.length), ...all.slice(0, r % all.length)];
        for (const who of order.filter((w) => process.env.BENCH_PROFILE_REGOPS !== "1" || w === "regops")) {
          const round = await contenders[who](s);
          rates[s.name]![who].push(round);
          console.log(`${s.name} round ${r + 1}: ${who} ${Math.round(round.rate)}/s, CPU per delivery: node ${Math.round(round.mainUs)} us, redis ${Math.round(round.redisUs)} us`);
        }
      }
    }
  } finally {
    await refreshes.close();
    await peerQueue.close();
    queueConnection.disconnect();
    await regops.close();
    await bare.close();
    cleanupNow();
  }

  const rows = [["scenario", "regops /s", "bare Fastify /s", "ratio", "goal >= 0.5", "bare + BullMQ add /s", "ratio", "CPU/delivery node + redis: regops", "bare", "bare + BullMQ"]];
  const summary: Record<string, unknown> = {};
  const med = (rounds: Round[], k: keyof Round) => median(rounds.map((x) => x[k]));
  const cpu = (rounds: Round[]) => `${Math.round(med(rounds, "mainUs"))} + ${Math.round(med(rounds, "redisUs"))} us`;
  for (const [name, r] of Object.entries(rates)) {
    const ratio = med(r.regops, "rate") / med(r.bare, "rate");
    const ratioJob = med(r.regops, "rate") / med(r.bareJob, "rate");
    rows.push([
      name,
      String(Math.round(med(r.regops, "rate"))),
      String(Math.round(med(r.bare, "rate"))),
      `${round(ratio, 2)}x`,
      ratio >= 0.5 ? "met" : "MISSED",
      String(Math.round(med(r.bareJob, "rate"))),
      `${round(ratioJob, 2)}x`,
      cpu(r.regops),
      cpu(r.bare),
      cpu(r.bareJob),
    ]);
    summary[name] = {
      ...Object.fromEntries(all.map((w) => [w, r[w].map((x) => Math.round(x.rate))])),
      ratio: round(ratio, 3),
      ratioToBareWithJob: round(ratioJob, 3),
      cpuUsPerDelivery: Object.fromEntries(all.map((w) => [w, { node: Math.round(med(r[w], "mainUs")), redis: Math.round(med(r[w], "redisUs")) }])),
    };
  }
  console.log(`\n${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model}); ${SECONDS} s x ${ROUNDS} rounds, ${INFLIGHT} in flight; medians\n`);
  console.log(table(rows));
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `webhooks-${new Date().toISOString().replace(/[:.]/g, "").slice(0, 15)}Z.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, seconds: SECONDS, rounds: ROUNDS, inflight: INFLIGHT, summary }, null, 2));
  console.log(`\nwrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  cleanupNow();
  process.exit(1);
});
