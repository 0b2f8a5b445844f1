// /metrics as Prometheus' own linter sees it: `promtool check metrics` (Debian's `prometheus`
// package, installed by scripts/bootstrap) reads a live scrape of the service and must find
// nothing. The registry series are there too: a 429 cool-down and a budget are recorded the way
// a worker records them (SharedRateLimits), so their names and types are checked as well.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedRateLimits } from "../../src/registry/shared-rate-limits.js";
import { storeKeys } from "../../src/store/keys.js";
import { auth, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

const PROMTOOL = "/usr/bin/promtool";

let redis: StartedRedis;
let svc: TestService;

beforeAll(async () => {
  redis = await startRedis();
  svc = await startTestService({
    redisUrl: redis.url,
    role: "api",
    registries: [{ id: "hub", url: "http://127.0.0.1:1", kind: "distribution", insecure: true }],
  });
  const client = redis.client();
  try {
    const shared = new SharedRateLimits(client, storeKeys(svc.config.prefix));
    shared.observe("hub", { limitedUntil: new Date(Date.now() + 60_000).toISOString() }, true);
    shared.observe("hub", { limit: 100, remaining: 57, windowSeconds: 21600, observedAt: new Date().toISOString() }, false);
    await shared.settle();
  } finally {
    client.disconnect();
  }
});

afterAll(async () => {
  await svc?.close();
  await redis?.container.stop();
});

/** Runs `promtool check metrics` on the text; its exit code and everything it said. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

async function scrape(): Promise<string> {
  // one request first, so the HTTP histogram has a series
  await (await fetch(`${svc.url}/healthz`)).body?.cancel();
  const res = await fetch(`${svc.url}/metrics`, { headers: auth(KEYS.read) });
  expect(res.status).toBe(200);
  return res.text();
}

describe("promtool check metrics", () => {
  it("when promtool checks a live /metrics, then it finds no problem", async () => {
    const text = await scrape();
    expect(text).toMatch(/^regops_registry_rate_limit_remaining\{registry="hub"\} 57$/m);
    const { code, output } = await promtoolCheck(text);
    expect(output.trim()).toBe("");
    expect(code).toBe(0);
  });

  it("when a registry was backed off from, then the count is a counter, regops_registry_backoffs_total", async () => {
    const text = await scrape();
    expect(text).toMatch(/^# TYPE regops_registry_backoffs_total counter$/m);
    expect(text).toMatch(/^regops_registry_backoffs_total\{registry="hub"\} 1$/m);
    expect(text).not.toMatch(/^regops_nodejs_active_\w+_total/m);
    // the per-type gauges they summed stay
    expect(text).toMatch(/^# TYPE regops_nodejs_active_handles gauge$/m);
  });
});
