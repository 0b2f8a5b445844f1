// Refresh end to end on the real stack: Redis and a distribution registry in containers, the
// Docker engine at DOCKER_HOST, regops started as main.ts starts it.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy.js";
import { startGateProxy, type GateProxy } from "../helpers/gate-proxy.js";
import { hostImageIdOf, pushRandomImage, removeLocalImages } from "../helpers/push.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let limited: FaultProxy; // the registry behind a rate limit: 429, Retry-After: 2, twice
let gated: GateProxy; // the registry with the Docker engine's blob downloads held until the test opens it
const repo = `refresh-${Date.now()}/app`;

async function post(body: unknown, key = KEYS.write, headers: Record<string, string> = {}) {
  const res = await fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(key), "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { res, body: (await json(res)) as Record<string, any> };
}

async function registryDigest(ref: { repo: string; tag: string }): Promise<string> {
  const res = await fetch(`${registry.url}/v2/${ref.repo}/manifests/${ref.tag}`, {
    method: "HEAD",
    headers: { accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" },
  });
  return res.headers.get("docker-content-digest")!;
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  limited = await startFaultProxy(
    registry.url,
    { status: 429, headers: { "retry-after": "2" }, count: 2, match: /\/manifests\// },
    { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "42;w=21600" },
  );
  // Only the engine's downloads (its User-Agent starts "docker/"): regops' own registry calls pass.
  gated = await startGateProxy(registry.url, (req) => req.method === "GET" && /\/blobs\/sha256:/.test(req.url ?? "") && /^docker\//.test(req.headers["user-agent"] ?? ""));
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      { id: "local", url: registry.url, kind: "distribution", insecure: true },
      { id: "nowhere", url: "http://regops-test.invalid:5000", kind: "distribution", insecure: true },
      { id: "closed", url: "http://127.0.0.1:1", kind: "distribution", insecure: true },
      { id: "limited", url: `http://${limited.host}`, kind: "distribution", insecure: true },
      { id: "gated", url: `http://${gated.host}`, kind: "distribution", insecure: true },
    ],
  });
});

afterAll(async () => {
  await svc?.close();
  await limited?.close();
  await gated?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await removeLocalImages(`${gated?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("refresh", () => {
  it("when a new image is pushed under an existing tag, then refresh pulls it and the host holds the new image id", async () => {
    const first = await pushRandomImage(registry.host, repo, "v1");
    const a = await post({ type: "refresh", image: first.ref });
    expect(a.res.status).toBe(202);
    expect(a.res.headers.get("location")).toBe(`/v1/jobs/${a.body.id}`);
    const jobA = await waitForJob(svc.url, a.body.id);
    expect(jobA.state).toBe("completed");
    expect((jobA.result as any).digest).toBe(first.digest);
    expect(await hostImageIdOf(first.ref)).toBe(first.imageId);

    const second = await pushRandomImage(registry.host, repo, "v1");
    expect(second.digest).not.toBe(first.digest);
    const b = await post({ type: "refresh", image: second.ref });
    const jobB = (await waitForJob(svc.url, b.body.id)) as any;
    expect(jobB.state).toBe("completed");
    expect(jobB.result.digest).toBe(await registryDigest({ repo, tag: "v1" }));
    expect(jobB.result).toMatchObject({ changed: true, previousDigest: first.digest, digest: second.digest });
    expect(jobB.result.hosts).toEqual([expect.objectContaining({ host: "default", pulled: true, imageId: second.imageId })]);
    expect(await hostImageIdOf(second.ref)).toBe(second.imageId);

    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(second.ref)}`, { headers: auth(KEYS.read) }));
    expect(image.digest).toBe(second.digest);
    expect(image.history.map((h: { digest: string }) => h.digest)).toEqual([second.digest, first.digest]);
    expect(image.hosts.default.imageId).toBe(second.imageId);
  });

  it("when the digest did not change, then nothing is pulled and no history entry is added", async () => {
    const img = await pushRandomImage(registry.host, repo, "steady");
    await waitForJob(svc.url, (await post({ type: "refresh", image: img.ref })).body.id);
    const again = (await waitForJob(svc.url, (await post({ type: "refresh", image: img.ref })).body.id)) as any;
    expect(again.result).toMatchObject({ changed: false, previousDigest: img.digest, digest: img.digest });
    expect(again.result.hosts[0]).toMatchObject({ pulled: false, imageId: img.imageId, reason: "up to date" });
  });

  it("when pull is false, then only the digest is checked", async () => {
    const img = await pushRandomImage(registry.host, repo, "check-only");
    const job = (await waitForJob(svc.url, (await post({ type: "refresh", image: img.ref, pull: false })).body.id)) as any;
    expect(job.result).toMatchObject({ digest: img.digest, hosts: [] });
    expect(await hostImageIdOf(img.ref)).toBeUndefined();
  });

  it("when the tag does not exist, then the job fails MANIFEST_UNKNOWN with a hint, without retries", async () => {
    const job = (await waitForJob(svc.url, (await post({ type: "refresh", image: `${registry.host}/${repo}:nope` })).body.id)) as any;
    expect(job.state).toBe("failed");
    expect(job.error.code).toBe("MANIFEST_UNKNOWN");
    expect(job.error.hint).toContain("docker manifest inspect");
    expect(job.attempts).toBe(1);
  });

  it("when the registry host does not resolve or refuses connections, then REGISTRY_UNREACHABLE says which", async () => {
    const dns = (await waitForJob(svc.url, (await post({ type: "refresh", image: "regops-test.invalid:5000/a/b:c", pull: false })).body.id)) as any;
    expect(dns.error.code).toBe("REGISTRY_UNREACHABLE");
    expect(dns.error.message).toMatch(/^DNS/);
    expect(dns.attempts).toBe(3); // retryable: all attempts used
    const conn = (await waitForJob(svc.url, (await post({ type: "refresh", image: "127.0.0.1:1/a/b:c", pull: false })).body.id)) as any;
    expect(conn.error.code).toBe("REGISTRY_UNREACHABLE");
    expect(conn.error.message).toMatch(/^connection/);
  });

  it("when the registry answers 429 with Retry-After, then the job waits it out and completes without using an attempt", async () => {
    const img = await pushRandomImage(registry.host, repo, "limited");
    const started = Date.now();
    const job = (await waitForJob(svc.url, (await post({ type: "refresh", image: `${limited.host}/${repo}:limited`, pull: false })).body.id)) as any;
    expect(job.state).toBe("completed");
    expect(job.result.digest).toBe(img.digest);
    expect(limited.faults()).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000); // two waits of 2 s
    expect(job.attempts).toBe(1); // deferred, not retried: config allows 3 attempts
    // counted, and Docker Hub-style budget headers read from the answers that got through
    const reg = await json(fetch(`${svc.url}/v1/registries/limited`, { headers: auth(KEYS.admin) }));
    expect(reg.rateLimit).toMatchObject({ limit: 100, remaining: 42, windowSeconds: 21600, limitedCount: 2 });
  });

  it.each([
    ["answers 500", 500],
    ["drops the connection", 0],
  ])("when the registry %s twice, then the job is retried with backoff and completes", async (_what, status) => {
    const img = await pushRandomImage(registry.host, repo, `flaky${status}`);
    const flaky = await startFaultProxy(registry.url, { status, count: 2, match: /\/manifests\// });
    const flakySvc = await startTestService({
      redisUrl: redis.url,
      registries: [{ id: "flaky", url: `http://${flaky.host}`, kind: "distribution", insecure: true }],
    });
    try {
      const res = await fetch(`${flakySvc.url}/v1/jobs`, {
        method: "POST",
        headers: { ...auth(KEYS.write), "content-type": "application/json" },
        body: JSON.stringify({ type: "refresh", image: `${flaky.host}/${repo}:flaky${status}`, pull: false }),
      });
      const job = (await waitForJob(flakySvc.url, (await json(res)).id)) as any;
      expect(job.state).toBe("completed");
      expect(job.result.digest).toBe(img.digest);
      expect(job.attempts).toBe(3); // two failures, then success: config allows 3
      expect(flaky.faults()).toBe(2);
    } finally {
      await flakySvc.close();
      await flaky.close();
    }
  });

  it("when the registry is not configured, then 422 REGISTRY_NOT_CONFIGURED and nothing is queued", async () => {
    const { res, body } = await post({ type: "refresh", image: "ghcr.io/someone/app:1" });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(body.code).toBe("REGISTRY_NOT_CONFIGURED");
    expect(body.errors).toEqual([{ field: "image", message: expect.stringContaining("ghcr.io") }]);
  });

  it("when the same Idempotency-Key is sent twice, then the same job comes back; with another body, 422", async () => {
    const img = `${registry.host}/${repo}:idem`;
    const key = `k-${Date.now()}`;
    const one = await post({ type: "refresh", image: img, pull: false }, KEYS.write, { "idempotency-key": key });
    const two = await post({ type: "refresh", image: img, pull: false }, KEYS.write, { "idempotency-key": key });
    expect(two.body.id).toBe(one.body.id);
    const other = await post({ type: "refresh", image: img, pull: true }, KEYS.write, { "idempotency-key": key });
    expect(other.res.status).toBe(422);
    expect(other.body.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("when jobs are listed with filters, then only matching jobs come back, newest first, page by page", async () => {
    const img = `${registry.host}/${repo}:listed`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post({ type: "refresh", image: img, pull: false })).body.id);
    const page1 = await json(fetch(`${svc.url}/v1/jobs?image=${encodeURIComponent(img)}&limit=2`, { headers: auth(KEYS.read) }));
    expect(page1.items.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    const page2 = await json(
      fetch(`${svc.url}/v1/jobs?image=${encodeURIComponent(img)}&limit=2&cursor=${page1.nextCursor}`, { headers: auth(KEYS.read) }),
    );
    expect(page2.items.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    // A failed job of its own (the registry refuses connections), so the state filter has one to find.
    const failedId = (await post({ type: "refresh", image: "127.0.0.1:1/listed/app:v1", pull: false })).body.id;
    expect((await waitForJob(svc.url, failedId)).state).toBe("failed");
    const failed = await json(fetch(`${svc.url}/v1/jobs?type=refresh&state=failed&limit=100`, { headers: auth(KEYS.read) }));
    expect(failed.items.map((j: { id: string }) => j.id)).toContain(failedId);
    expect(failed.items.map((j: { state: string }) => j.state)).toEqual(failed.items.map(() => "failed"));
  });

  it("when a job is followed over SSE, then its updates stream until it completes", async () => {
    const img = await pushRandomImage(registry.host, repo, "sse");
    const { body } = await post({ type: "refresh", image: img.ref });
    const res = await fetch(`${svc.url}/v1/jobs/${body.id}/events`, { headers: auth(KEYS.read) });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text(); // the stream ends when the job does
    const states = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!).state);
    expect(states.at(-1)).toBe("completed");
  });

  it("when a running pull is cancelled, then the job ends cancelled and the engine gives up the download", async () => {
    // Larger than socket buffers hold, so an engine that drops the download cannot have read it.
    await pushRandomImage(registry.host, repo, "held", 32 * 1024 * 1024);
    const ref = `${gated.host}/${repo}:held`;
    const { body } = await post({ type: "refresh", image: ref });
    // The pull is under way: the engine waits for a blob the gate holds, so it cannot finish first.
    await vi.waitFor(
      async () => {
        expect(gated.held()).toBeGreaterThan(0);
        const job = await json(fetch(`${svc.url}/v1/jobs/${body.id}`, { headers: auth(KEYS.read) }));
        expect([job.state, job.progress?.phase]).toEqual(["active", "pulling"]);
      },
      { timeout: 30_000, interval: 50 },
    );
    const res = await fetch(`${svc.url}/v1/jobs/${body.id}`, { method: "DELETE", headers: auth(KEYS.write) });
    const job = await json(res);
    expect(res.status).toBe(200);
    expect(job.state).toBe("cancelled");
    expect(job.error.code).toBe("CANCELLED");
    // The cancel reached the engine: once the gate opens, it drops the layer download instead
    // of reading it to the end (a pull still under way reads every blob in full), and no image
    // is left on the host.
    const waiting = gated.held();
    gated.open();
    await vi.waitFor(() => expect(gated.cutShort() + gated.finished() + gated.hungUp()).toBeGreaterThanOrEqual(waiting), { timeout: 30_000, interval: 50 });
    expect(gated.cutShort() + gated.hungUp()).toBeGreaterThan(0);
    expect(await hostImageIdOf(ref)).toBeUndefined();
    const again = await fetch(`${svc.url}/v1/jobs/${body.id}`, { method: "DELETE", headers: auth(KEYS.write) });
    expect((await json(again)).state).toBe("cancelled");
  });
});
