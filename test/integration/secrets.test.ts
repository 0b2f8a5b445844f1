// A registry password from the config must never appear in log output, API responses or
// Redis values. The registry requires basic auth for real, so the refresh only succeeds if
// the password was used.
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisDump } from "../helpers/redis-dump.js";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const PASSWORD = `s3cret-${Date.now()}-Pw`;
const credentials = { username: "ci", password: PASSWORD };
let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
const repo = `secret-${Date.now()}/app`;

beforeAll(async () => {
  const htpasswd = `ci:${bcrypt.hashSync(PASSWORD, 10)}\n`;
  [redis, registry] = await Promise.all([startRedis(), startRegistry({ htpasswd })]);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "private", url: registry.url, kind: "distribution", insecure: true, auth: { username: "ci", password: "env:TEST_REGISTRY_PASSWORD" } }],
    env: { TEST_REGISTRY_PASSWORD: PASSWORD },
  });
});

afterAll(async () => {
  await svc?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("secrets", () => {
  it("when a job uses registry credentials, then the password is in no log line, response or Redis value", async () => {
    const img = await pushRandomImage(registry.host, repo, "v1", 0, credentials);
    const responses: string[] = [];
    const res = await fetch(`${svc.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "refresh", image: img.ref }),
    });
    const created = await json(res);
    responses.push(JSON.stringify(created));
    const job = await waitForJob(svc.url, created.id);
    expect(job.state).toBe("completed"); // the credentials were used
    expect((job.result as any).digest).toBe(img.digest);
    responses.push(JSON.stringify(job));
    responses.push(await (await fetch(`${svc.url}/v1/jobs?limit=100`, { headers: auth(KEYS.read) })).text());
    responses.push(await (await fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(img.ref)}`, { headers: auth(KEYS.read) })).text());
    responses.push(await (await fetch(`${svc.url}/openapi.json`, { headers: auth(KEYS.read) })).text());
    // a failing job too: its error must not carry the password either
    const bad = await json(fetch(`${svc.url}/v1/jobs`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ type: "refresh", image: `${registry.host}/${repo}:missing` }),
    }));
    responses.push(JSON.stringify(await waitForJob(svc.url, bad.id)));

    const logs = svc.logs();
    expect(logs.length).toBeGreaterThan(1000);
    const b64 = Buffer.from(`ci:${PASSWORD}`).toString("base64");
    for (const [where, text] of [["logs", logs], ["responses", responses.join("\n")], ["redis", await redisDump(redis)]] as const) {
      expect(text, where).not.toContain(PASSWORD);
      expect(text, where).not.toContain(b64);
    }
  });
});
