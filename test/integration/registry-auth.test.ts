// Registry authentication against a real registry with token auth: the registry answers 401
// with a Bearer challenge, regops fetches a token from the realm with the configured basic
// credentials, caches it per scope, and reports wrong credentials as UNAUTHORIZED without retrying.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { startTokenServer, type TokenServer } from "../helpers/token-server.js";

const credentials = { username: "robot", password: `pw-${Date.now()}` };
let redis: StartedRedis;
let registry: StartedRegistry;
let tokens: TokenServer;
let svc: TestService;
let wrong: TestService;
const repo = `tokenauth-${Date.now()}/app`;

async function submit(service: TestService, body: unknown): Promise<any> {
  const res = await fetch(`${service.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return waitForJob(service.url, (await json(res)).id);
}

beforeAll(async () => {
  tokens = await startTokenServer(credentials);
  [redis, registry] = await Promise.all([startRedis(), startRegistry({ token: tokens })]);
  const entry = { id: "private", url: registry.url, kind: "harbor", insecure: true };
  svc = await startTestService({ redisUrl: redis.url, registries: [{ ...entry, auth: credentials }] });
  wrong = await startTestService({ redisUrl: redis.url, registries: [{ ...entry, auth: { username: "robot", password: "nope-nope" } }] });
});

afterAll(async () => {
  await svc?.close();
  await wrong?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop(), tokens?.close()]);
});

describe("registry token auth", () => {
  it("when the registry sends a Bearer challenge, then regops gets a token and refreshes", async () => {
    const img = await pushRandomImage(registry.host, repo, "v1", 0, credentials);
    const anonymous = await fetch(`${registry.url}/v2/${repo}/manifests/v1`, { method: "HEAD" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);

    const job = await submit(svc, { type: "refresh", image: img.ref });
    expect(job.state).toBe("completed");
    expect(job.result.digest).toBe(img.digest);
    expect(job.result.hosts[0].imageId).toBe(img.imageId);

    // the token for this repository is cached: more checks fetch no new token
    const before = tokens.issued();
    for (let i = 0; i < 3; i++) expect((await submit(svc, { type: "refresh", image: img.ref, pull: false })).state).toBe("completed");
    expect(tokens.issued()).toBe(before);
  });

  it("when the credentials are wrong, then the job fails UNAUTHORIZED at once", async () => {
    const job = await submit(wrong, { type: "refresh", image: `${registry.host}/${repo}:v1`, pull: false });
    expect(job.state).toBe("failed");
    expect(job.error.code).toBe("UNAUTHORIZED");
    expect(job.error.hint).toMatch(/credentials/);
    expect(job.attempts).toBe(1);
  });
});
