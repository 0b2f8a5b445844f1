// POST /v1/webhooks/{id} needs no API key, so anyone can call it. What a stranger can do there
// must stay small: unknown ids are counted, never logged; refused deliveries of a registry are
// folded into at most one log entry per second, so they cannot push real deliveries out of the
// capped log; an id is checked against the registry id grammar before it is logged anywhere;
// and a delivery whose secret travels in a header or the query is refused before its body is
// read, let alone parsed.
import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { metricSample } from "../helpers/metrics.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";
import { harborPush } from "../helpers/webhook-payloads.js";

const SECRET = `hook-${randomBytes(12).toString("hex")}`;
const LOG_SIZE = 100;
let redis: StartedRedis;
let api: TestService;

async function deliver(registryId: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}/v1/webhooks/${registryId}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function deliveries(query = ""): Promise<any[]> {
  return (await json(fetch(`${api.url}/v1/webhooks/deliveries?limit=500${query}`, { headers: auth(KEYS.read) }))).items;
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A sample of a counter on the API's /metrics; 0 when the series does not exist yet. */
const metric = (name: string, labels: Record<string, string>) => metricSample(api.url, name, labels);

/** A request body that sends one chunk and then never ends: only a server that does not wait for it can answer. */
function endlessBody(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
}

beforeAll(async () => {
  redis = await startRedis();
  api = await startTestService({
    redisUrl: redis.url,
    role: "api",
    registries: [
      { id: "harbor", url: "http://127.0.0.1:9", kind: "harbor", webhook: { secret: SECRET } },
      { id: "gh", url: "https://ghcr.io", kind: "ghcr", webhook: { secret: SECRET } },
    ],
    extra: { webhooks: { logSize: LOG_SIZE } },
  });
});

afterAll(async () => {
  await api?.close();
  await redis?.container.stop();
});

describe("webhook abuse", () => {
  it("when 1000 unauthenticated deliveries flood a real registry id, then the real entries stay in the log and only a few rejection entries are added", async () => {
    const real: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await deliver("harbor", harborPush("team/app", `v${i}`, `sha256:${randomBytes(32).toString("hex")}`), { authorization: SECRET });
      expect(r.status).toBe(202);
      real.push(r.body.id);
    }
    const flood = harborPush("team/evil", "v1", `sha256:${"e".repeat(64)}`);
    const statuses: number[] = [];
    const started = Date.now();
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => deliver("harbor", flood, i % 2 ? { authorization: `wrong-${i}` } : {})));
      statuses.push(...answers.map((a) => a.status));
    }
    expect(statuses.filter((s) => s === 401).length).toBe(1000);
    // the bound the log keeps: one entry per registry per second (webhooks.rejectionLogSeconds), plus the last second's
    const seconds = Math.ceil((Date.now() - started) / 1000);
    // every refused delivery is accounted for in some entry's count, once the last second is folded in
    const rejected = await until(
      () => deliveries("&registry=harbor&status=rejected"),
      (items) => items.reduce((n, d) => n + (d.count ?? 1), 0) === 1000,
      "the 1000 refusals to be counted in the log",
    );
    expect(rejected.length).toBeLessThanOrEqual(seconds + 1);
    expect(rejected.every((d) => d.httpStatus === 401 && d.count >= 1)).toBe(true);
    const logged = (await deliveries("&registry=harbor")).map((d) => d.id);
    for (const id of real) expect(logged).toContain(id);
    expect(await metric("regops_webhook_deliveries_total", { registry: "harbor", status: "rejected" })).toBe(1000);
  });

  it("when the id is not a registry id, or no registry has it, then nothing is logged, it is counted as unknown, and no log line holds it", async () => {
    const before = await metric("regops_webhook_deliveries_total", { registry: "unknown", status: "rejected" });
    const hostile = encodeURIComponent('x <script>alert("regops")</script>');
    const invalid = await deliver(hostile, "{}", { authorization: SECRET });
    expect([invalid.status, invalid.body.type]).toEqual([400, expect.stringMatching(/^urn:regops:problem:/)]);
    expect(JSON.stringify(invalid.body)).not.toContain("<script>");
    const unknown = await deliver("nowhere", "{}", { authorization: SECRET });
    expect(unknown.status).toBe(404);
    // a body too large for an id that is not a registry's is refused the same way
    expect((await deliver(hostile, Buffer.alloc(2 * 1024 * 1024, 0x20))).status).toBe(400);
    expect(await metric("regops_webhook_deliveries_total", { registry: "unknown", status: "rejected" })).toBe(before + 3);
    // a bad query of the delivery log is no delivery: neither counted nor logged
    expect((await fetch(`${api.url}/v1/webhooks/deliveries?cursor=bad`, { headers: auth(KEYS.read) })).status).toBe(400);
    expect(await metric("regops_webhook_deliveries_total", { registry: "unknown", status: "rejected" })).toBe(before + 3);
    const all = JSON.stringify(await deliveries());
    expect(all).not.toContain("script");
    expect(all).not.toContain("nowhere");
    expect(api.logs()).not.toContain("<script>");
    expect(api.logs()).not.toContain("%3Cscript");
  });

  it("when the secret of a header or query format is wrong, then the body is refused 401 before it is read or parsed", async () => {
    // not JSON: 400 if it were parsed
    const garbage = await deliver("harbor", "{not json", { authorization: "wrong" });
    expect([garbage.status, garbage.body.code]).toEqual([401, "WEBHOOK_UNAUTHORIZED"]);
    // larger than any body regops reads: 413 if it were read
    const huge = await deliver("harbor", Buffer.alloc(2 * 1024 * 1024, 0x7b), { authorization: "wrong" });
    expect([huge.status, huge.body.code]).toEqual([401, "WEBHOOK_UNAUTHORIZED"]);
    // a body that never ends: answered all the same
    const res = await fetch(`${api.url}/v1/webhooks/harbor?secret=wrong`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: endlessBody('{"type":"PUSH_ARTIFACT",'),
      duplex: "half",
      signal: AbortSignal.timeout(10_000),
    } as RequestInit);
    expect(res.status).toBe(401);
    await res.body?.cancel();
    // with the right secret the same route still reads bodies
    expect((await deliver("harbor", "{not json", { authorization: SECRET })).status).toBe(400);
  });

  it("when a signed (HMAC) format's signature header is missing, then 401 before the body is read; when present, the body is read within the limit", async () => {
    const unsigned = await deliver("gh", Buffer.alloc(2 * 1024 * 1024, 0x7b));
    expect([unsigned.status, unsigned.body.code]).toEqual([401, "WEBHOOK_UNAUTHORIZED"]);
    const forged = await deliver("gh", "{not json", { "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    expect([forged.status, forged.body.code]).toEqual([401, "WEBHOOK_UNAUTHORIZED"]);
    const tooBig = await deliver("gh", Buffer.alloc(2 * 1024 * 1024, 0x7b), { "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    expect(tooBig.status).toBe(413);
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const signed = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    expect((await deliver("gh", body, { "x-hub-signature-256": signed, "x-github-event": "ping" })).status).toBe(202);
  });
});
