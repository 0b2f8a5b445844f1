// On a real 6-node Redis Cluster, every Lua script regops defines and every multi-key command
// and transaction it sends runs inside the one hash slot of `{prefix}`: no CROSSSLOT, and every
// key written lands in that slot. The scripts are run through the store classes that own them,
// with a project key prefix; a static check reads each script's source and refuses a key that
// does not come from KEYS (a key built inside a script could land in another slot).
import { readdirSync, readFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLock } from "../../src/locks/redis-lock.js";
import { SharedRateLimits } from "../../src/registry/shared-rate-limits.js";
import { ApiRegistryStore } from "../../src/store/api-registries.js";
import { ImageStore } from "../../src/store/images.js";
import { JobStore, type JobRecord } from "../../src/store/jobs.js";
import { queuePrefix, storeKeys } from "../../src/store/keys.js";
import { ScanStore } from "../../src/store/scans.js";
import { ScheduleStore } from "../../src/store/schedules.js";
import { SecretBox } from "../../src/store/sealed.js";
import { WatchStore } from "../../src/store/watches.js";
import { DeliveryLog } from "../../src/webhooks/deliveries.js";
import { NotificationLog } from "../../src/notify/log.js";
import { startCluster, type RedisTopology } from "../helpers/redis-topology.js";

const prefix = `cs${randomBytes(4).toString("hex")}`;
let cluster: RedisTopology;
let redis: Redis;
/** Every Lua source the stores handed to Redis, by command name (`eval` for one-off scripts). */
const scripts = new Map<string, string>();

/** Wraps defineCommand and eval so the test sees each script the stores use. */
function recordScripts(client: Redis): Redis {
  const define = client.defineCommand.bind(client);
  client.defineCommand = (name, def) => {
    scripts.set(name, def.lua);
    define(name, def);
  };
  const evaluate = client.eval.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { eval: (...args: unknown[]) => Promise<unknown> }).eval = (script: unknown, ...rest: unknown[]) => {
    scripts.set(`eval:${createHash("sha1").update(String(script)).digest("hex").slice(0, 8)}`, String(script));
    return evaluate(script, ...rest);
  };
  return client;
}

/** Names of scripts defined in src/ and workers/, and how many one-off EVALs there are. */
function scriptsInSource(): { defined: Set<string>; evals: number } {
  const defined = new Set<string>();
  let evals = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(path, "utf8");
        for (const m of text.matchAll(/defineCommand\("(\w+)"/g)) defined.add(m[1]!);
        evals += [...text.matchAll(/\.(eval|evalsha)\(/g)].length;
      }
    }
  };
  walk("src");
  walk("workers");
  return { defined, evals };
}

const record = (id: string, state: JobRecord["state"] = "queued"): JobRecord => ({
  id,
  type: "refresh",
  state,
  spec: { type: "refresh", image: "docker.io/library/alpine:3.20" },
  image: "docker.io/library/alpine:3.20",
  progress: null,
  attempts: 0,
  createdAt: new Date().toISOString(),
});

beforeAll(async () => {
  cluster = await startCluster();
  redis = recordScripts(cluster.client("slots"));
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

describe("on a 6-node Redis Cluster", () => {
  it("when every store runs its scripts, transactions and pipelines with the project's prefix, then none is refused and every key is in the {prefix} slot", async () => {
    const keys = storeKeys(prefix);
    // Jobs: create (one and many), start, progress, transition, list (pipeline), ids by state.
    const jobs = new JobStore(redis, prefix, 3600);
    await jobs.create(record("j1"));
    await jobs.createMany([record("j2"), record("j3")]);
    const cancelError = { code: "CANCELLED" as const, message: "cancelled", hint: "" };
    expect(await jobs.start("j1", 1, cancelError)).toEqual({ kind: "active" });
    await jobs.setProgress("j1", { pct: 50 });
    expect(await jobs.transition("j1", ["active"], "completed", { result: { ok: true }, finishedAt: new Date().toISOString() })).toBe(true);
    expect((await jobs.list({ limit: 10 })).items.map((j) => j.id).sort()).toEqual(["j1", "j2", "j3"]);
    expect(await jobs.idsInState("queued")).toEqual(expect.arrayContaining(["j2", "j3"]));

    // Images: the digest history script, hosts, signatures.
    const images = new ImageStore(redis, prefix);
    expect(await images.recordDigest("docker.io/library/alpine:3.20", `sha256:${"a".repeat(64)}`, "application/vnd.oci.image.index.v1+json", "j1")).toEqual({ previous: null, added: true });
    await images.recordHost("docker.io/library/alpine:3.20", "default", { digest: `sha256:${"a".repeat(64)}`, imageId: `sha256:${"b".repeat(64)}`, pulledAt: new Date().toISOString() });
    expect((await images.get("docker.io/library/alpine:3.20"))?.digest).toBe(`sha256:${"a".repeat(64)}`);

    // Webhook deliveries: claim-and-log in one script, for a burst of deliveries at once.
    const deliveries = new DeliveryLog(redis, keys, 100, 60);
    const event = { image: "docker.io/library/alpine:3.20", digest: `sha256:${"c".repeat(64)}`, outcome: "queued", jobId: "j2" };
    const delivery = (n: number) => ({ registry: "hub", receivedAt: new Date().toISOString(), status: "accepted", reason: "", httpStatus: 202, bytes: n, events: [{ ...event }] });
    const [first, second] = await Promise.all([deliveries.append(delivery(1) as never), deliveries.append(delivery(2) as never)]);
    expect([first.events[0]!.outcome, second.events[0]!.outcome].sort()).toEqual(["duplicate", "queued"]);

    // The per-GUN lock: acquire, extend (a short lease renews several times), release.
    const lock = new RedisLock(redis, keys.notaryLock, { ttlMs: 60 });
    let renewed = false;
    await lock.withLock("docker.io/team/app", async () => {
      const key = `${keys.notaryLock}docker.io/team/app`;
      const start = Date.now();
      while (Date.now() - start < 1000 && !renewed) {
        // Still held after more than one lease: the extend script ran.
        if (Date.now() - start > 150) renewed = (await redis.exists(key)) === 1;
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    expect(renewed).toBe(true);
    expect(await redis.exists(`${keys.notaryLock}docker.io/team/app`)).toBe(0);

    // Registries saved through the API by an older regops (secrets in the clear) are sealed
    // again with a compare-and-set script when read.
    const registries = new ApiRegistryStore(redis, keys, new SecretBox(randomBytes(32)));
    const legacy = { registry: { id: "old", url: "https://old.example", kind: "distribution", auth: { username: "u", password: "p" } }, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z" };
    await redis.hset(keys.registries, "old", JSON.stringify(legacy));
    await registries.list();
    expect(await redis.hget(keys.registries, "old")).not.toContain('"password":"p"');

    // Transactions and pipelines of several keys.
    const scans = new ScanStore(redis, keys, 3600);
    const scan = { digest: `sha256:${"d".repeat(64)}`, engine: "builtin", dbVersion: "1", scanner: { name: "regops", version: "1" }, findings: [{ id: "CVE-2024-0001", aliases: ["GHSA-xxxx"] }] };
    await scans.save(scan as never, "j1", "docker.io/library/alpine:3.20", { jobId: "j1" } as never);
    expect((await scans.affected("CVE-2024-0001")).map((a) => a.digest)).toEqual([scan.digest]);
    const watches = new WatchStore(redis, keys);
    await watches.save({ id: "w1" } as never, { create: true });
    await watches.recordTick("w1", { at: new Date(), checked: 3, jobs: ["j2"] });
    expect((await watches.status(["w1"])).get("w1")).toBeDefined();
    expect(await watches.remove("w1")).toBe(true);
    const schedules = new ScheduleStore(redis, keys);
    await schedules.save({ id: "s1" } as never, { create: true });
    await schedules.recordRun("s1", Date.now(), { jobId: "j3" });
    expect(await schedules.remove("s1")).toBe(true);
    await schedules.clearState("s1");
    const rateLimits = new SharedRateLimits(redis, keys);
    rateLimits.observe("hub", { limit: 100, remaining: 99, observedAt: new Date().toISOString() }, false);
    rateLimits.observe("hub", { limitedUntil: new Date(Date.now() + 1000).toISOString() }, true);
    await rateLimits.settle();
    expect((await rateLimits.getMany(["hub", "other"])).get("hub")?.limit).toBe(100);
    await new NotificationLog(redis, keys).record({ url: "https://hooks.example", event: "job.completed", jobId: "j1", status: "delivered" } as never);
    const [scanCopy, summary] = await redis.mget(keys.scanJob("j1"), keys.imageScan("docker.io/library/alpine:3.20"));
    expect(JSON.parse(scanCopy!).digest).toBe(scan.digest);
    expect(JSON.parse(summary!)).toEqual({ jobId: "j1" });
    expect(await redis.del(keys.scanJob("j1"), keys.imageScan("docker.io/library/alpine:3.20"))).toBe(2);

    // BullMQ's own scripts, with the queue prefix regops gives it: add, process, complete.
    const connection = cluster.client("bullmq");
    const queue = new Queue("refresh", { connection, prefix: queuePrefix(prefix) });
    const worker = new Worker("refresh", async (job) => ({ echoed: job.data.n }), { connection, prefix: queuePrefix(prefix) });
    const job = await queue.add("refresh", { n: 7 });
    await expect.poll(async () => (await queue.getJob(job.id!))?.returnvalue, { timeout: 20_000 }).toEqual({ echoed: 7 });
    await worker.close();
    await queue.close();
    connection.disconnect();

    // Every key any of this wrote is in the slot of `{prefix}`, on the one master serving it.
    const slot = (await redis.call("CLUSTER", "KEYSLOT", `{${prefix}}`)) as number;
    const masters = (redis as unknown as { nodes(role: "master"): Redis[] }).nodes("master");
    const counts = await Promise.all(masters.map(async (m) => ({ size: await m.dbsize(), inSlot: (await m.call("CLUSTER", "COUNTKEYSINSLOT", slot)) as number })));
    const total = counts.reduce((n, c) => n + c.size, 0);
    expect(total).toBeGreaterThan(20);
    expect(counts.reduce((n, c) => n + c.inSlot, 0)).toBe(total);

    // Every script the source defines was run here, on the master of that slot.
    const inSource = scriptsInSource();
    expect([...scripts.keys()].filter((n) => !n.startsWith("eval:")).sort()).toEqual([...inSource.defined].sort());
    expect([...scripts.keys()].filter((n) => n.startsWith("eval:"))).toHaveLength(inSource.evals);
    const owner = masters[counts.findIndex((c) => c.inSlot > 0)]!;
    const shas = [...scripts.values()].map((lua) => createHash("sha1").update(lua).digest("hex"));
    expect(await owner.call("SCRIPT", "EXISTS", ...shas)).toEqual(shas.map(() => 1));
  }, 120_000);

  it("when a script's source is read, then every key it touches comes from KEYS, so the caller's hash tag decides the slot", () => {
    expect(scripts.size).toBeGreaterThan(0);
    for (const [name, lua] of scripts) {
      // redis.call('CMD', first, ...): the first argument of every keyed command must be a
      // KEYS entry, or a local table built from KEYS (job-scripts.ts's state index).
      for (const m of lua.matchAll(/redis\.call\(\s*['"](\w+)['"]\s*,\s*([^,)]+)/g)) {
        const [command, first] = [m[1]!.toUpperCase(), m[2]!.trim()];
        if (command === "PUBLISH") continue; // a channel, not a key
        expect(first, `${name}: ${command} ${first}`).toMatch(/^(KEYS\[|index\[)/);
      }
      if (/index\[/.test(lua)) expect(lua, name).toMatch(/local index = \{(\s*\w+ = KEYS\[\d+\],?)+\s*\}/);
    }
  });

  it("when every key builder of the store is called, then each key carries the {prefix} hash tag, and so does the queue prefix", () => {
    const keys = storeKeys(prefix);
    const tag = `{${prefix}}:`;
    for (const [name, value] of Object.entries(keys)) {
      const key = typeof value === "function" ? (value as (...a: string[]) => string)("a", "b", "c") : value;
      expect(key.startsWith(tag), `${name}: ${key}`).toBe(true);
    }
    expect(queuePrefix(prefix).startsWith(`{${prefix}}`)).toBe(true);
  });
});
