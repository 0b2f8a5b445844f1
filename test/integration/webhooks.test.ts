// Webhooks in, on the real stack. A distribution registry configured to notify regops
// (`notifications.endpoints`), a real `docker push`, and the refresh that follows pulling the
// image onto the Docker host; a burst of 1000 Harbor deliveries making exactly one job per
// (image, digest); wrong secrets, garbage and the corpus' broken payloads refused with a
// problem, never a crash, and all of it in the delivery log.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports.js";
import { IMAGES } from "../helpers/images.js";
import { docker, pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { storeKeys } from "../../src/store/keys.js";
import { harborPush } from "../helpers/webhook-payloads.js";
import { corpus, corpusPath } from "../helpers/corpus.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { metricSample } from "../helpers/metrics.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

const SECRET = `hook-${randomBytes(12).toString("hex")}`;
/** A real payload of the corpus, read in place (test/helpers/corpus.ts). */
const payload = (file: string) => readFileSync(corpusPath("webhooks", file));
const prefix = `wh${randomBytes(4).toString("hex")}`;
let redis: StartedRedis;
let registry: StartedTestContainer;
let registryHost = "";
let api: TestService; // REGOPS_ROLE=api: receives webhooks, runs no jobs
let worker: TestService | undefined;
const repo = `hooks-${Date.now()}/app`;

const registries = () => [
  { id: "local", url: `http://${registryHost}`, kind: "distribution", webhook: { secret: SECRET } },
  // the same registry, as other senders would call it (formats are picked by kind)
  { id: "harbor", url: "http://127.0.0.1:9", kind: "harbor", webhook: { secret: SECRET } },
  { id: "quay", url: "https://quay.io", kind: "quay", webhook: { secret: SECRET } },
  { id: "gar", url: "https://us.gcr.io", kind: "gar", webhook: { secret: SECRET } },
  { id: "open", url: "https://ghcr.io", kind: "ghcr" }, // no webhook secret: no webhook
];

async function deliver(
  registryId: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  query = "",
  dispatcher?: Agent,
): Promise<{ status: number; body: any; contentType: string | null }> {
  const res = await fetch(`${api.url}/v1/webhooks/${registryId}${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    ...(dispatcher ? { dispatcher } : {}),
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, contentType: res.headers.get("content-type") };
}

async function refreshJobs(): Promise<any[]> {
  const page = await json(fetch(`${api.url}/v1/jobs?type=refresh&limit=500`, { headers: auth(KEYS.read) }));
  return page.items;
}

/** A sample of a counter on the API's /metrics; 0 when the series does not exist yet. */
const metric = (name: string, labels: Record<string, string>) => metricSample(api.url, name, labels);

beforeAll(async () => {
  redis = await startRedis();
  // regops must be listening before the registry that calls it starts; the registry's port is
  // chosen first so regops' config can name it.
  const port = await freePort();
  registryHost = `127.0.0.1:${port}`;
  api = await startTestService({ redisUrl: redis.url, role: "api", prefix, registries: registries() });
  const apiPort = new URL(api.url).port;
  const config = `version: 0.1
log: { level: info, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: /var/lib/registry }, delete: { enabled: true } }
http: { addr: "127.0.0.1:${port}" }
notifications:
  endpoints:
    - name: regops
      url: http://127.0.0.1:${apiPort}/v1/webhooks/local
      headers: { Authorization: ["Bearer ${SECRET}"] }
      timeout: 2s
      threshold: 3
      backoff: 1s
`;
  // Host network: the registry reaches regops on 127.0.0.1, and dockerd pushes to it there.
  registry = await new GenericContainer(IMAGES.registry)
    .withNetworkMode("host")
    .withCopyContentToContainer([{ content: config, target: "/etc/docker/registry/config.yml" }])
    .withWaitStrategy(Wait.forLogMessage(/listening on/))
    .withStartupTimeout(60_000)
    .start();
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await removeLocalImages(`${registryHost}/${repo}`);
  await Promise.all([registry?.stop(), redis?.container.stop()]);
});

describe("webhooks", () => {
  it("when `docker push` goes to a registry that notifies regops, then one refresh job pulls the image onto the host", async () => {
    const pushed = await pushRandomImage(registryHost, repo, "v1", 64 * 1024);
    // The registry notifies asynchronously: wait for the delivery that queued the refresh.
    let job: any;
    for (let i = 0; i < 100 && !job; i++) {
      job = (await refreshJobs()).find((j) => j.image === pushed.ref);
      if (!job) await new Promise((r) => setTimeout(r, 100));
    }
    expect(job, "no refresh job from the registry's notification").toBeDefined();
    expect(job.state).toBe("queued"); // the api process runs no jobs
    const deliveries = await json(fetch(`${api.url}/v1/webhooks/deliveries?registry=local`, { headers: auth(KEYS.read) }));
    const accepted = deliveries.items.find((d: any) => d.events.some((e: any) => e.jobId === job.id));
    expect(accepted).toMatchObject({ status: "accepted", format: "distribution" });
    // layer pushes came too, and were ignored with a reason
    const layerEvents = deliveries.items.flatMap((d: any) => d.events).filter((e: any) => e.outcome === "ignored");
    expect(layerEvents.length).toBeGreaterThan(0);

    // Now a worker runs it; the local copy is gone, so the host must pull.
    expect(await docker.getImage(pushed.ref).inspect().then(() => true, () => false)).toBe(false);
    worker = await startTestService({ redisUrl: redis.url, role: "worker", prefix, registries: registries() });
    const done = (await waitForJob(api.url, job.id)) as any;
    expect(done.state, JSON.stringify(done.error)).toBe("completed");
    expect(done.result.digest).toBe(pushed.digest);
    expect(done.result.hosts[0]).toMatchObject({ host: "default", pulled: true, imageId: pushed.imageId });
    expect((await docker.getImage(pushed.ref).inspect()).Id).toBe(pushed.imageId);
    // exactly one refresh for this push, however many events the registry sent
    expect((await refreshJobs()).filter((j) => j.image === pushed.ref)).toHaveLength(1);
  });

  it("when 1000 deliveries announce 50 (image, digest) pairs at once, then exactly 50 refresh jobs are made", async () => {
    const before = (await refreshJobs()).length;
    const counters = () =>
      Promise.all([
        metric("regops_webhook_deliveries_total", { registry: "harbor", status: "accepted" }),
        metric("regops_webhook_events_total", { registry: "harbor", outcome: "queued" }),
        metric("regops_webhook_events_total", { registry: "harbor", outcome: "duplicate" }),
      ]);
    const countersBefore = await counters();
    const pairs = Array.from({ length: 50 }, (_, i) => ({ tag: `burst-${i}`, digest: `sha256:${randomBytes(32).toString("hex")}` }));
    // All 1000 are submitted at once, over 100 connections: a registry's sender pools its
    // connections too, and 1000 fresh sockets at once overflow the listen backlog of a loaded
    // machine (ECONNRESET) without testing anything of regops.
    const burst = new Agent({ connections: 100 });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        const p = pairs[i % 50]!;
        return deliver("harbor", harborPush("team/burst", p.tag, p.digest), { authorization: SECRET }, "", burst);
      }),
    ).finally(() => burst.close());
    expect(results.every((r) => r.status === 202 && r.contentType?.startsWith("application/json"))).toBe(true);
    const outcomes = results.flatMap((r) => r.body.events.map((e: any) => e.outcome));
    expect(outcomes.filter((o) => o === "queued")).toHaveLength(50);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(950);
    expect((await refreshJobs()).length - before).toBe(50);
    // The delivery log tells the same story as the 202s, delivery by delivery.
    const logged = new Map<string, any>();
    for (let cursor = ""; logged.size < 1000; ) {
      const page = await json(fetch(`${api.url}/v1/webhooks/deliveries?registry=harbor&limit=500${cursor}`, { headers: auth(KEYS.read) }));
      for (const d of page.items) logged.set(d.id, d);
      if (!page.nextCursor) break;
      cursor = `&cursor=${page.nextCursor}`;
    }
    for (const r of results) expect(logged.get(r.body.id)).toEqual(r.body);
    // and so do the counters Prometheus scrapes
    const countersAfter = await counters();
    expect(countersAfter.map((n, i) => n - countersBefore[i]!)).toEqual([1000, 50, 950]);
  });

  it("when a newer push of the same tag arrives, then the older queued refresh is superseded", async () => {
    const first = await deliver("harbor", harborPush("team/moving", "v2", `sha256:${"a".repeat(64)}`), { authorization: `Bearer ${SECRET}` });
    // the tag's latest refresh is remembered for a day, from its first push on
    const latestKey = storeKeys(prefix).webhookLatest(first.body.events[0].image);
    const redisClient = redis.client();
    try {
      const ttl = await redisClient.ttl(latestKey);
      expect(ttl).toBeGreaterThan(86_000);
      expect(ttl).toBeLessThanOrEqual(86_400);
    } finally {
      redisClient.disconnect();
    }
    const second = await deliver("harbor", harborPush("team/moving", "v2", `sha256:${"b".repeat(64)}`), { authorization: `Bearer ${SECRET}` });
    const [older, newer] = [first.body.events[0].jobId, second.body.events[0].jobId];
    expect(newer).not.toBe(older);
    const old = await json(fetch(`${api.url}/v1/jobs/${older}`, { headers: auth(KEYS.read) }));
    expect(old.state).toBe("cancelled");
  });

  it("when the secret is wrong or missing, then 401 and nothing is queued", async () => {
    const before = (await refreshJobs()).length;
    const rejected = () =>
      Promise.all(["harbor", "open", "unknown"].map((registry) => metric("regops_webhook_deliveries_total", { registry, status: "rejected" })));
    const rejectedBefore = await rejected();
    const body = harborPush("team/evil", "v1", `sha256:${"c".repeat(64)}`);
    for (const headers of [{}, { authorization: "nope" }, { authorization: `Bearer ${SECRET}x` }] as Record<string, string>[]) {
      const r = await deliver("harbor", body, headers);
      expect([r.status, r.body.code]).toEqual([401, "WEBHOOK_UNAUTHORIZED"]);
    }
    expect((await deliver("harbor", body, {}, `?secret=${SECRET}-wrong`)).status).toBe(401);
    expect((await deliver("open", body, { authorization: SECRET })).status).toBe(404);
    expect((await deliver("nowhere", body, { authorization: SECRET })).status).toBe(404);
    expect((await refreshJobs()).length).toBe(before);
    // counted for alerting; an id that is not a configured registry is not a label of its own
    expect((await rejected()).map((n, i) => n - rejectedBefore[i]!)).toEqual([4, 1, 1]);
    expect(await metric("regops_webhook_deliveries_total", { registry: "nowhere", status: "rejected" })).toBe(0);
  });

  it.skipIf(!corpus)("when the body is garbage, huge, or one of the corpus' broken payloads, then a 400/413 problem, and the service carries on", async () => {
    const garbage = randomBytes(1024 * 1024);
    const big = await deliver("harbor", garbage, { authorization: SECRET, "content-type": "application/octet-stream" });
    expect([400, 413]).toContain(big.status);
    expect(big.body.type).toMatch(/^urn:regops:problem:/);
    const notJson = await deliver("harbor", "{not json", { authorization: SECRET });
    expect([notJson.status, notJson.body.errors[0].field]).toEqual([400, "body"]);
    for (const [file, registryId] of [
      ["harbor-push_artifact-2.json", "harbor"],
      ["harbor-pull_artifact-2.json", "harbor"],
      ["quay-build_success-1.json", "quay"],
      ["gcr-pubsub_push-1.json", "gar"],
    ] as const) {
      const r = await deliver(registryId, payload(file), { authorization: SECRET });
      expect([file, r.status, r.body.code]).toEqual([file, 400, "BAD_REQUEST"]);
    }
    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(200);
    const rejected = await json(fetch(`${api.url}/v1/webhooks/deliveries?status=rejected&limit=100`, { headers: auth(KEYS.read) }));
    // the six above came with the right secret: each is logged on its own (refusals of senders
    // without it are folded, and unknown ids never logged: see webhook-abuse.test.ts)
    expect(rejected.items.length).toBeGreaterThanOrEqual(6);
    expect(rejected.items.some((d: any) => d.registry === "nowhere")).toBe(false);
    expect(rejected.items.every((d: any) => d.status === "rejected" && d.reason)).toBe(true);
  });

  it("when a sender can only be given a URL (Quay), then ?secret= authenticates it, the digest is filled by a HEAD, and the secret is not logged", async () => {
    // Quay's real format, about an image in the test registry (registered as kind quay here)
    const quayStyle = await startTestService({
      redisUrl: redis.url,
      role: "api",
      registries: [{ id: "q", url: `http://${registryHost}`, kind: "quay", webhook: { secret: SECRET } }],
    });
    try {
      const pushed = await pushRandomImage(registryHost, repo, "quay");
      const body = JSON.stringify({
        name: "app",
        repository: repo,
        namespace: repo.split("/")[0],
        docker_url: `quay.io/${repo}`,
        homepage: `https://quay.io/repository/${repo}`,
        updated_tags: ["quay"],
      });
      const res = await fetch(`${quayStyle.url}/v1/webhooks/q?secret=${SECRET}`, { method: "POST", headers: { "content-type": "application/json" }, body });
      const delivery = await json(res);
      expect(res.status).toBe(202);
      expect(delivery.events).toEqual([expect.objectContaining({ outcome: "queued", tag: "quay", digest: pushed.digest, image: pushed.ref })]);
      expect(quayStyle.logs()).not.toContain(SECRET);
    } finally {
      await quayStyle.close();
    }
  });

  it.skipIf(!corpus)("when events are not tagged pushes, then the 202 names why each was ignored", async () => {
    const pull = payload("harbor-pull_artifact-1.json");
    const r = await deliver("harbor", pull, { authorization: SECRET });
    expect(r.status).toBe(202);
    expect(r.body.status).toBe("ignored");
    expect(r.body.events[0]).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/pull/) });
  });
});
