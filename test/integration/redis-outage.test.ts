// Redis goes away and comes back, for real: the container is stopped and started again under
// the API. Meanwhile webhooks and job submissions are answered 503 with Retry-After at once
// (a registry retries later; nothing waits in ioredis' offline queue), /healthz still answers,
// /readyz says Redis is down; once Redis is back, the same delivery makes its refresh job.
import { randomBytes } from "node:crypto";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGES } from "../helpers/images.js";
import { freePort } from "../helpers/ports.js";
import { docker } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { harborPush } from "../helpers/webhook-payloads.js";

const SECRET = `hook-${randomBytes(12).toString("hex")}`;
let redis: StartedTestContainer;
let api: TestService;

beforeAll(async () => {
  // A fixed host port: the container keeps it when it is started again.
  const port = await freePort();
  redis = await new GenericContainer(IMAGES.redis)
    .withExposedPorts({ container: 6379, host: port })
    .withWaitStrategy(Wait.forAll([Wait.forListeningPorts(), Wait.forLogMessage("Ready to accept connections")]))
    .withStartupTimeout(60_000)
    .start();
  api = await startTestService({
    redisUrl: `redis://127.0.0.1:${port}`,
    role: "api",
    registries: [{ id: "harbor", url: "https://harbor.example.com", kind: "harbor", webhook: { secret: SECRET } }],
  });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await redis?.stop();
});

const deliver = (body: string) =>
  fetch(`${api.url}/v1/webhooks/harbor`, { method: "POST", headers: { "content-type": "application/json", authorization: SECRET }, body, signal: AbortSignal.timeout(20_000) });

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("when Redis is down", () => {
  it("then deliveries and submissions get 503 with Retry-After at once, and after it is back the delivery makes its job", async () => {
    const body = harborPush("team/outage", "v1", `sha256:${randomBytes(32).toString("hex")}`);
    await docker.getContainer(redis.getId()).stop({ t: 0 });
    await until("the API to notice", async () => (await fetch(`${api.url}/readyz`)).status === 503);

    // Redis stays down until both have answered: a request waiting in ioredis' offline queue
    // would never answer (the guard is what answers at once), and the abort turns that hang
    // into a clear failure rather than the test's timeout.
    const hook = await deliver(body);
    const submit = await fetch(`${api.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "refresh", image: "harbor.example.com/team/outage:v1" }),
      signal: AbortSignal.timeout(20_000),
    });
    for (const res of [hook, submit]) {
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(await json(res)).toMatchObject({ code: "SERVICE_UNAVAILABLE", detail: expect.stringMatching(/Redis is unreachable/) });
    }
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    const ready = await json(fetch(`${api.url}/readyz`));
    expect(ready.checks).toContainEqual(expect.objectContaining({ name: "redis", ok: false, reason: expect.stringMatching(/unreachable/) }));

    await docker.getContainer(redis.getId()).start();
    await until("the API to reconnect", async () => (await fetch(`${api.url}/readyz`)).status === 200);
    const retried = await deliver(body);
    expect(retried.status).toBe(202);
    const delivery = await json(retried);
    expect(delivery.events).toEqual([expect.objectContaining({ outcome: "queued", jobId: expect.any(String) })]);
    const job = await json(fetch(`${api.url}/v1/jobs/${delivery.events[0].jobId}`, { headers: auth(KEYS.read) }));
    expect(job).toMatchObject({ type: "refresh", state: "queued" });
  }, 90_000);
});
