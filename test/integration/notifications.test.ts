// Events out, end to end on the real stack: regops POSTs signed JSON to test HTTP servers
// (node:http) for job.completed, job.failed and image.updated; a receiver that is down or
// answers 503 gets the delivery once it is back, exactly once; 410 Gone stops the retries;
// every attempt is in the delivery log, and the endpoint secrets are nowhere else.
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFY_QUEUE } from "../../src/notify/emitter.js";
import { notifyJobId } from "../../src/notify/payload.js";
import type { NotificationEvent } from "../../src/notify/schema.js";
import { verifySignature } from "../../src/notify/sign.js";
import { queuePrefix } from "../../src/store/keys.js";
import { pushRandomImage } from "../helpers/push.js";
import { quietPort } from "../helpers/ports.js";
import { redisDump } from "../helpers/redis-dump.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const SECRETS = {
  main: `main-${randomBytes(16).toString("hex")}`,
  flaky: `flaky-${randomBytes(16).toString("hex")}`,
  down: `down-${randomBytes(16).toString("hex")}`,
  gone: `gone-${randomBytes(16).toString("hex")}`,
  elsewhere: `elsewhere-${randomBytes(16).toString("hex")}`,
};

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: any;
  answered: number;
}

/** A webhook receiver: records every request; `answer` picks the status per request. */
function receiver(answer: (path: string, seen: Received[]) => number) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const path = req.url ?? "";
      const status = answer(path, received.filter((r) => r.path === path));
      received.push({ path, headers: req.headers, raw, body: JSON.parse(raw.toString("utf8")), answered: status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status >= 300 ? `not now (${status})` : "thanks");
    });
  });
  return { server, received };
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Orders stream ids (`<ms>-<seq>`) by time. */
function olderFirst(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let main: ReturnType<typeof receiver>;
let down: ReturnType<typeof receiver>;
let downPort: number;
let bull: Redis;
let notifyQueue: Queue;
const repo = `notify-${Date.now()}/app`;

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  // /ok answers 200, /flaky 503 twice and then 200, /gone 410.
  main = receiver((path, seen) => (path === "/gone" ? 410 : path === "/flaky" && seen.length < 2 ? 503 : 200));
  const mainPort = await listen(main.server);
  // Nothing listens on the "down" receiver's port until the test starts it there (a port outside
  // the ephemeral range, so no other server can be handed it meanwhile).
  down = receiver(() => 200);
  downPort = await quietPort();
  const rx = `http://127.0.0.1:${mainPort}`;
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }],
    env: { NOTIFY_MAIN_SECRET: SECRETS.main },
    extra: {
      notifications: [
        // every event about this test's repository; the secret comes from the environment
        { id: "main", url: `${rx}/ok`, secret: "env:NOTIFY_MAIN_SECRET", images: [`${registry.host}/${repo}:`] },
        { id: "flaky", url: `${rx}/flaky`, secret: SECRETS.flaky, events: ["job.completed"], images: [`${registry.host}/${repo}:flaky`] },
        { id: "down", url: `http://127.0.0.1:${downPort}/hook`, secret: SECRETS.down, events: ["job.completed"], images: [`${registry.host}/${repo}:down`] },
        { id: "gone", url: `${rx}/gone`, secret: SECRETS.gone, events: ["job.failed"], images: [`${registry.host}/${repo}:gone`] },
        { id: "elsewhere", url: `${rx}/elsewhere`, secret: SECRETS.elsewhere, images: ["127.0.0.1:1/nothing/"] },
      ],
    },
  });
  // The service's notify queue, read to know what was queued and when a delivery is settled.
  bull = redis.client();
  notifyQueue = new Queue(NOTIFY_QUEUE, { connection: bull, prefix: queuePrefix(svc.config.prefix) });
});

afterAll(async () => {
  await notifyQueue?.close();
  bull?.disconnect();
  await svc?.close();
  main?.server.close();
  down?.server.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

async function refresh(image: string): Promise<string> {
  const res = await fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify({ type: "refresh", image, pull: false }),
  });
  expect(res.status).toBe(202);
  return (await json(res)).id;
}

/**
 * The state of the delivery of `event` about job `jobId` to `endpoint`, or undefined when none
 * was queued. Events are queued where they happen: image.updated during the refresh, before its
 * record is final; job.completed and job.failed once it is. So once a job's job.completed or
 * job.failed has arrived, every event about it that was ever going to be queued is queued.
 */
async function queued(endpoint: string, event: NotificationEvent, jobId: string): Promise<string | undefined> {
  const job = await notifyQueue.getJob(notifyJobId(endpoint, event, jobId));
  return job ? await job.getState() : undefined;
}

/** Waits until that delivery is final (completed or failed): no attempt of it comes after. */
async function settled(endpoint: string, event: NotificationEvent, jobId: string): Promise<string> {
  return until(`${endpoint} ${event} ${jobId} to be settled`, async () => {
    const state = await queued(endpoint, event, jobId);
    return state === "completed" || state === "failed" ? state : undefined;
  });
}

async function deliveries(query: string, key = KEYS.admin): Promise<any> {
  return json(fetch(`${svc.url}/v1/notifications/deliveries?${query}`, { headers: auth(key) }));
}

const at = (path: string, event: string, pred: (r: Received) => boolean = () => true) =>
  main.received.filter((r) => r.path === path && r.headers["x-regops-event"] === event && pred(r));

describe("notifications", () => {
  it("when a refresh job completes, then the endpoint receives job.completed, signed with its secret, with the job as the API shows it", async () => {
    const img = await pushRandomImage(registry.host, repo, "v1");
    const id = await refresh(img.ref);
    const job = await waitForJob(svc.url, id);
    expect(job.state).toBe("completed");

    const [got] = await until("job.completed", () => {
      const r = at("/ok", "job.completed", (x) => x.body.job.id === id);
      return r.length ? r : undefined;
    });
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(got!.headers["user-agent"]).toBe("regops");
    // the signature: with the helper receivers use, and recomputed independently over the raw bytes
    const signature = got!.headers["x-regops-signature"] as string;
    expect(verifySignature(SECRETS.main, got!.raw, signature)).toBe(true);
    expect(signature).toBe(`sha256=${createHmac("sha256", SECRETS.main).update(got!.raw).digest("hex")}`);
    expect(verifySignature(SECRETS.flaky, got!.raw, signature)).toBe(false);
    // the body: delivery id = header, the job exactly as GET /v1/jobs/{id} returns it
    expect(got!.body).toEqual({ id: got!.headers["x-regops-delivery"], event: "job.completed", occurredAt: job.finishedAt, job });
    expect((got!.body.job.result as any).changed).toBe(true);

    // the first sighting of a tag is not an update: none was queued (it would be by now)
    expect(await queued("main", "image.updated", id)).toBeUndefined();
    expect(at("/ok", "image.updated", (x) => x.body.image.ref === img.ref)).toHaveLength(0);
    // and an endpoint whose image prefixes do not match got nothing
    expect(await queued("elsewhere", "job.completed", id)).toBeUndefined();
    expect(main.received.filter((r) => r.path === "/elsewhere")).toHaveLength(0);
  });

  it("when the tag is pushed again and refreshed, then image.updated names the new and the previous digest, once", async () => {
    const before = (await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(`${registry.host}/${repo}:v1`)}`, { headers: auth(KEYS.read) }))).digest;
    const img = await pushRandomImage(registry.host, repo, "v1");
    expect(img.digest).not.toBe(before);
    const id = await refresh(img.ref);
    const job = (await waitForJob(svc.url, id)) as any;
    expect(job.result).toMatchObject({ changed: true, previousDigest: before, digest: img.digest });

    const [got] = await until("image.updated", () => {
      const r = at("/ok", "image.updated", (x) => x.body.image.jobId === id);
      return r.length ? r : undefined;
    });
    expect(verifySignature(SECRETS.main, got!.raw, got!.headers["x-regops-signature"])).toBe(true);
    expect(got!.body).toEqual({
      id: got!.headers["x-regops-delivery"],
      event: "image.updated",
      occurredAt: expect.any(String),
      image: { ref: img.ref, digest: img.digest, previousDigest: before, mediaType: job.result.mediaType, jobId: id },
    });

    // a refresh that finds the same digest again announces its completion, no update
    const again = await refresh(img.ref);
    await waitForJob(svc.url, again);
    await until("job.completed of the unchanged refresh", () => at("/ok", "job.completed", (x) => x.body.job.id === again).length === 1);
    expect(await queued("main", "image.updated", again)).toBeUndefined();
    expect(await settled("main", "image.updated", id)).toBe("completed");
    expect(at("/ok", "image.updated", (x) => x.body.image.ref === img.ref)).toHaveLength(1);
  });

  it("when a job fails, then job.failed carries its error; an endpoint answering 410 Gone is not retried", async () => {
    const failing = await refresh(`${registry.host}/${repo}:nope`);
    const job = (await waitForJob(svc.url, failing)) as any;
    expect(job.error.code).toBe("MANIFEST_UNKNOWN");
    const [got] = await until("job.failed", () => {
      const r = at("/ok", "job.failed", (x) => x.body.job.id === failing);
      return r.length ? r : undefined;
    });
    expect(verifySignature(SECRETS.main, got!.raw, got!.headers["x-regops-signature"])).toBe(true);
    expect(got!.body).toMatchObject({ event: "job.failed", job: { id: failing, state: "failed", error: { code: "MANIFEST_UNKNOWN" } } });

    const gone = await refresh(`${registry.host}/${repo}:gone`);
    expect((await waitForJob(svc.url, gone)).state).toBe("failed");
    await until("the 410", () => main.received.some((r) => r.path === "/gone"));
    // failed for good after one attempt: no retry is scheduled
    expect(await settled("gone", "job.failed", gone)).toBe("failed");
    expect(main.received.filter((r) => r.path === "/gone")).toHaveLength(1);
    const log = await deliveries("endpoint=gone");
    expect(log.items).toEqual([expect.objectContaining({ endpoint: "gone", event: "job.failed", jobId: gone, attempt: 1, status: 410, outcome: "failed" })]);
    expect(log.items[0].response).toBe("not now (410)");
  });

  it("when the receiver is down, then the log shows retrying attempts, and once it is up the delivery arrives exactly once", async () => {
    const img = await pushRandomImage(registry.host, repo, "down");
    const id = await refresh(img.ref);
    expect((await waitForJob(svc.url, id)).state).toBe("completed");

    // nothing listens: connection refused, logged and retried with backoff
    const retrying = await until("two retrying attempts", async () => {
      const log = await deliveries("endpoint=down&outcome=retrying");
      return log.items.length >= 2 ? log.items : undefined;
    });
    expect(retrying.map((a: any) => a.attempt).sort()).toEqual(expect.arrayContaining([1, 2]));
    for (const a of retrying) {
      expect(a).toMatchObject({ event: "job.completed", jobId: id, outcome: "retrying" });
      expect(a.status).toBeUndefined();
      expect(a.error).toMatch(/ECONNREFUSED/);
    }
    expect(down.received).toHaveLength(0);

    // the receiver comes up on its port
    await listen(down.server, downPort);
    const delivered = await until("delivered", async () => (await deliveries("endpoint=down&outcome=delivered")).items[0]);
    expect(delivered).toMatchObject({ event: "job.completed", jobId: id, status: 200, outcome: "delivered" });
    expect(delivered.attempt).toBeGreaterThanOrEqual(3);
    expect(delivered.delivery).toBe(retrying[0].delivery); // one delivery, several attempts

    expect(await settled("down", "job.completed", id)).toBe("completed");
    expect(down.received).toHaveLength(1);
    const got = down.received[0]!;
    expect(got.headers["x-regops-delivery"]).toBe(delivered.delivery);
    expect(verifySignature(SECRETS.down, got.raw, got.headers["x-regops-signature"])).toBe(true);
    expect(got.body).toMatchObject({ id: delivered.delivery, event: "job.completed", job: { id, state: "completed" } });
    const all = (await deliveries("endpoint=down")).items;
    expect(all.map((a: any) => a.outcome)).toEqual([...Array(all.length - 1).fill("retrying"), "delivered"].reverse());
    expect(new Set(all.map((a: any) => a.delivery)).size).toBe(1);
  });

  it("when the receiver answers 503 twice, then the third attempt delivers, and it is received once as a success", async () => {
    const img = await pushRandomImage(registry.host, repo, "flaky");
    const id = await refresh(img.ref);
    await waitForJob(svc.url, id);
    const delivered = await until("delivered", async () => (await deliveries("endpoint=flaky&outcome=delivered")).items[0]);
    expect(delivered).toMatchObject({ attempt: 3, status: 200, jobId: id });
    expect(await settled("flaky", "job.completed", id)).toBe("completed");
    const got = main.received.filter((r) => r.path === "/flaky");
    expect(got.map((r) => r.answered)).toEqual([503, 503, 200]);
    expect(new Set(got.map((r) => r.headers["x-regops-delivery"]))).toEqual(new Set([delivered.delivery]));
    // every attempt sends the same signed bytes
    expect(new Set(got.map((r) => r.raw.toString("utf8"))).size).toBe(1);
    expect(verifySignature(SECRETS.flaky, got[2]!.raw, got[2]!.headers["x-regops-signature"])).toBe(true);
    const log = (await deliveries("endpoint=flaky")).items;
    expect(log.map((a: any) => [a.attempt, a.status, a.outcome])).toEqual([
      [3, 200, "delivered"],
      [2, 503, "retrying"],
      [1, 503, "retrying"],
    ]);
  });

  it("when the delivery log is read, then it needs an admin key, filters and pages", async () => {
    expect((await fetch(`${svc.url}/v1/notifications/deliveries`, { headers: auth(KEYS.read) })).status).toBe(403);
    expect((await fetch(`${svc.url}/v1/notifications/deliveries`)).status).toBe(401);
    expect((await fetch(`${svc.url}/v1/notifications/deliveries?outcome=maybe`, { headers: auth(KEYS.admin) })).status).toBe(400);

    const failed = await deliveries("outcome=failed");
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((a: any) => a.outcome === "failed")).toBe(true);
    const byEvent = await deliveries("endpoint=main&event=job.completed");
    expect(byEvent.items.length).toBeGreaterThanOrEqual(3);
    expect(byEvent.items.every((a: any) => a.endpoint === "main" && a.event === "job.completed")).toBe(true);

    const page1 = await deliveries("limit=2");
    expect(page1.items).toHaveLength(2);
    const page2 = await deliveries(`limit=2&cursor=${page1.nextCursor}`);
    expect(olderFirst(page2.items[0].id, page1.items[1].id)).toBeLessThan(0); // the next page is older
    const ids: string[] = (await deliveries("limit=500")).items.map((a: any) => a.id);
    expect(ids).toEqual([...ids].sort(olderFirst).reverse()); // newest first
  });

  it("when everything has run, then no endpoint secret is in the delivery log, queued job data, Redis or the logs", async () => {
    const texts = [
      JSON.stringify(await deliveries("limit=500")),
      await redisDump(redis),
      svc.logs(),
      await (await fetch(`${svc.url}/openapi.json`, { headers: auth(KEYS.read) })).text(),
    ];
    // no event reached an endpoint twice as a success: one 2xx per delivery id
    const ok = main.received.filter((r) => r.answered < 300).map((r) => r.headers["x-regops-delivery"]);
    expect(ok.length).toBeGreaterThanOrEqual(6);
    expect(new Set(ok).size).toBe(ok.length);
    // the dump does hold the queued deliveries (their bodies), just not the secrets
    expect(texts[1]).toContain(":notify:");
    for (const secret of Object.values(SECRETS)) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
  });
});
