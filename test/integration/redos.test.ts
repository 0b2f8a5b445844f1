// Patterns that hang the process (issue 14, item 4), through the real service: a pattern RE2
// cannot run is refused with a 400 naming the field, and a catastrophic one that RE2 can run is
// accepted and harmless: a watch tick and a retention plan over a 128-character tag finish, where
// a backtracking RegExp would block the whole process for longer than the test lasts.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_MANIFEST, pushBlob, putManifest } from "../helpers/oci.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
const repo = `redos-${Date.now()}/app`;
// The pump of `a{8}((a+)+)+b` and of `*a*a*a*a*a*a*a*a!`: the longest tag a registry takes.
const PUMP = "a".repeat(128);

async function call(method: string, path: string, body: unknown, key = KEYS.write) {
  const res = await fetch(`${svc.url}${path}`, { method, headers: { ...auth(key), "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get("content-type")?.split(";")[0], body: (await res.json()) as any };
}

/** One small image, created in 2025, under each of `tags`. */
async function pushImage(tags: string[]): Promise<void> {
  const layer = randomBytes(64);
  const layerDigest = await pushBlob(registry.url, repo, layer);
  const config = Buffer.from(JSON.stringify({ os: "linux", architecture: "amd64", created: "2025-01-01T00:00:00Z", rootfs: { type: "layers", diff_ids: [layerDigest] } }));
  const configDigest = await pushBlob(registry.url, repo, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
  };
  for (const tag of tags) await putManifest(registry.url, repo, tag, OCI_MANIFEST, manifest);
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  svc = await startTestService({ redisUrl: redis.url, registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }] });
  await pushImage([PUMP, "aaaaaaaaab"]);
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("user-written patterns", () => {
  it("when a pattern uses a backreference or lookaround, or is too long, then the API answers 400 naming the field", async () => {
    const job = await call("POST", "/v1/jobs", { type: "retention", repository: `${registry.host}/${repo}`, keepTags: ["semver", "(a)\\1"], dryRun: true });
    expect([job.status, job.type, job.body.errors?.[0]?.field]).toEqual([400, "application/problem+json", "keepTags.1"]);
    expect(job.body.errors[0].message).toMatch(/RE2/);

    const reg = await call("POST", "/v1/registries", { id: "lookahead", url: "https://lookahead.example.com", tagPolicy: { immutable: ["(?=v)v.*"] } }, KEYS.admin);
    expect([reg.status, reg.type, reg.body.errors?.[0]?.field]).toEqual([400, "application/problem+json", "tagPolicy.immutable.0"]);

    const watch = await call("POST", "/v1/watches", { id: "long", repository: `${registry.host}/${repo}`, tags: "*".repeat(257), every: "1h" });
    expect([watch.status, watch.type, watch.body.errors?.[0]?.field]).toEqual([400, "application/problem+json", "tags"]);
  });

  it("when a watch's glob is catastrophic for a backtracking engine, then its tick over a 128-character tag finishes", async () => {
    const created = await call("POST", "/v1/watches", { id: "stars", repository: `${registry.host}/${repo}`, tags: "*a*a*a*a*a*a*a*a!", every: "1h", pull: false });
    expect(created.status).toBe(201);
    // An `every` watch runs at once: wait for that tick.
    const deadline = Date.now() + 30_000;
    let w: any;
    do {
      if (Date.now() > deadline) throw new Error(`the tick of watch stars did not finish: ${JSON.stringify(w?.status)}`);
      await new Promise((r) => setTimeout(r, 100));
      w = await json(fetch(`${svc.url}/v1/watches/stars`, { headers: auth(KEYS.read) }));
    } while (w.status.runs < 1);
    expect(w.status).toMatchObject({ runs: 1, lastChecked: 0 }); // no tag ends in "!"
  });

  it("when a keepTags regex is catastrophic for a backtracking engine, then the retention plan over a 128-character tag finishes and is right", async () => {
    const submitted = await call("POST", "/v1/jobs", { type: "retention", repository: `${registry.host}/${repo}`, keepTags: ["a{8}((a+)+)+b"], dryRun: true });
    expect(submitted.status).toBe(202);
    const job = (await waitForJob(svc.url, submitted.body.id)) as any;
    expect(job.state).toBe("completed");
    const actions = Object.fromEntries(job.result.tags.map((t: { tag: string; action: string }) => [t.tag, t.action]));
    // Both tags share one digest: deleting the pump would take the kept tag with it.
    expect(actions).toEqual({ aaaaaaaaab: "keep", [PUMP]: "skip" });
  });
});
