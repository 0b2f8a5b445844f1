// Registry retention on a real distribution registry (deletes enabled): plan by rules, apply by
// plan, and never lose a tag that stays because another tag on its digest went.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_MANIFEST, pushBlob, putManifest } from "../helpers/oci.js";
import { auth, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
const repo = `ret-${Date.now()}/app`;
const configured = `ret-${Date.now()}/by-config`;
const DAY = 86_400_000;
const base = Date.parse("2025-01-01T00:00:00Z");

/** An image whose config says it was created `day` days after 2025-01-01, under `tag`. */
async function pushDated(repository: string, tag: string, day: number): Promise<string> {
  const layer = randomBytes(64);
  const layerDigest = await pushBlob(registry.url, repository, layer);
  const config = Buffer.from(
    JSON.stringify({ os: "linux", architecture: "amd64", created: new Date(base + day * DAY).toISOString(), rootfs: { type: "layers", diff_ids: [layerDigest] } }),
  );
  const configDigest = await pushBlob(registry.url, repository, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
  };
  return (await putManifest(registry.url, repository, tag, OCI_MANIFEST, manifest)).digest;
}

/** Puts the manifest of `digest` under another tag (what `crane tag` does). */
async function alias(repository: string, digest: string, tag: string): Promise<void> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } });
  const body = Buffer.from(await res.arrayBuffer());
  expect(`sha256:${createHash("sha256").update(body).digest("hex")}`).toBe(digest);
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, { method: "PUT", headers: { "content-type": OCI_MANIFEST }, body });
  expect(put.status).toBe(201);
}

async function tagsOf(repository: string): Promise<string[]> {
  const body = (await (await fetch(`${registry.url}/v2/${repository}/tags/list`)).json()) as { tags: string[] | null };
  return (body.tags ?? []).sort();
}

async function digestOf(repository: string, tag: string): Promise<string | null> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, { method: "HEAD", headers: { accept: OCI_MANIFEST } });
  return res.status === 200 ? res.headers.get("docker-content-digest") : null;
}

async function run(spec: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify(spec) });
  const body = (await res.json()) as any;
  if (res.status !== 202) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return waitForJob(svc.url, body.id);
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }],
    extra: { retention: [{ repositories: `${registry.host}/ret-*/by-*`, keepTags: ["semver"], olderThan: "720h" }] },
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("retention", () => {
  it("when the newest 3 of 10 tags are kept, then the rest go, but a tag sharing a kept tag's digest is not lost", async () => {
    // t01 … t09: nine images a day apart; a-old: another tag of t07's image (outside the newest 3).
    const digests: Record<string, string> = {};
    for (let day = 1; day <= 9; day++) digests[`t0${day}`] = await pushDated(repo, `t0${day}`, day);
    await alias(repo, digests.t07!, "a-old");
    expect(await tagsOf(repo)).toHaveLength(10);
    const repository = `${registry.host}/${repo}`;

    const planned = await run({ type: "retention", repository, keepNewest: 3, dryRun: true });
    expect(planned.state).toBe("completed");
    const plan = planned.result;
    expect(plan).toMatchObject({ mode: "plan", planId: planned.id, repository, rules: { keepNewest: 3 }, rulesFrom: "job", counts: { keep: 3, delete: 6, skip: 1 } });
    const action = Object.fromEntries(plan.tags.map((t: any) => [t.tag, [t.action, t.reason]]));
    expect(action).toMatchObject({
      t09: ["keep", "one of the newest 3"],
      t08: ["keep", "one of the newest 3"],
      t07: ["keep", "one of the newest 3"],
      "a-old": ["skip", "digest shared with kept tag t07"],
      t01: ["delete", "not one of the newest 3"],
    });
    expect(plan.tags.find((t: any) => t.tag === "t01").created).toBe("2025-01-02T00:00:00.000Z");
    // A dry run deletes nothing.
    expect(await tagsOf(repo)).toHaveLength(10);

    // After the plan, a new tag lands on t02's image: applying must not take it with t02.
    await alias(repo, digests.t02!, "late");
    const applied = await run({ type: "retention", repository, apply: planned.id });
    expect(applied.state).toBe("completed");
    expect(applied.result).toMatchObject({ mode: "apply", planId: planned.id, repository, garbageCollectionNeeded: true, hint: expect.stringContaining("garbage-collect") });
    expect(applied.result.deleted.map((d: any) => d.tag).sort()).toEqual(["t01", "t03", "t04", "t05", "t06"]);
    expect(applied.result.skipped).toEqual(
      expect.arrayContaining([
        { tag: "a-old", digest: digests.t07, reason: "digest shared with kept tag t07" },
        { tag: "t02", digest: digests.t02, reason: "digest shared with kept tag late" },
      ]),
    );

    expect(await tagsOf(repo)).toEqual(["a-old", "late", "t02", "t07", "t08", "t09"]);
    expect(await digestOf(repo, "a-old")).toBe(digests.t07);
    expect(await digestOf(repo, "late")).toBe(digests.t02);
    expect(await digestOf(repo, "t01")).toBeNull();

    // A plan is applied once: again, every tag it planned to delete is gone or stays.
    const again = await run({ type: "retention", repository, apply: planned.id });
    expect(again.result).toMatchObject({ deleted: [], garbageCollectionNeeded: false });
    expect(again.result.skipped.filter((s: any) => s.reason === "already gone").map((s: any) => s.tag).sort()).toEqual(["t01", "t03", "t04", "t05", "t06"]);
  }, 60_000);

  it("when a retention job names no rules, then the config file's rule for the repository applies", async () => {
    for (const [tag, day] of [["1.0.0", 1], ["build-1", 2], ["build-2", 3]] as const) await pushDated(configured, tag, day);
    const now = await pushDated(configured, "build-new", Math.floor((Date.now() - base) / DAY));
    expect(now).toMatch(/^sha256:/);
    const job = await run({ type: "retention", repository: `${registry.host}/${configured}` });
    expect(job.state).toBe("completed");
    expect(job.result).toMatchObject({ mode: "retention", garbageCollectionNeeded: true });
    expect(job.result.deleted.map((d: any) => d.tag).sort()).toEqual(["build-1", "build-2"]);
    expect(await tagsOf(configured)).toEqual(["1.0.0", "build-new"]);
  });

  it("when a retention spec is malformed or has no rules, then it is refused", async () => {
    const post = (body: unknown) =>
      fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => [r.status, await r.json()] as [number, any]);
    const [s1, b1] = await post({ type: "retention", repository: `${registry.host}/${repo}:v1`, keepNewest: 1 });
    expect([s1, b1.errors[0].field]).toEqual([400, "repository"]);
    const [s2, b2] = await post({ type: "retention", repository: `${registry.host}/${repo}`, apply: "0194a3c2-0000-7000-8000-000000000000", keepNewest: 1 });
    expect([s2, b2.errors[0]]).toEqual([400, { field: "keepNewest", message: "not with apply: the plan decides" }]);
    const [s3, b3] = await post({ type: "retention", repository: `${registry.host}/${repo}`, keepTags: ["("] });
    expect([s3, b3.errors[0].field]).toEqual([400, "keepTags.0"]);

    const none = await run({ type: "retention", repository: `${registry.host}/${repo}`, dryRun: true });
    expect(none).toMatchObject({ state: "failed", error: { code: "BAD_REQUEST", message: expect.stringContaining("no retention rules") } });
    const missing = await run({ type: "retention", repository: `${registry.host}/${repo}`, apply: "0194a3c2-0000-7000-8000-000000000000" });
    expect(missing).toMatchObject({ state: "failed", error: { code: "PLAN_NOT_FOUND" } });
  });
});
