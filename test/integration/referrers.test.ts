// Referrers on real distribution 2.8 registries (no referrers API: the tag schema) and a real
// Redis: pushing with a subject keeps the sha256-<hex> index, concurrent pushers from several
// clients lose no entry, listing filters and bounds what it reads, and a copy carries referrers
// (and their referrers) to another registry.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLock } from "../../src/locks/redis-lock.js";
import { MEDIA_TYPES } from "../../src/registry/manifest.js";
import { copyReferrers } from "../../src/registry/referrers/copy.js";
import { listReferrers } from "../../src/registry/referrers/list.js";
import { pushReferrer } from "../../src/registry/referrers/push.js";
import { referrersTag } from "../../src/registry/referrers/tag-schema.js";
import { Remote } from "../../src/registry/remote.js";
import { registrySchema } from "../../src/registry/schema.js";
import { pushPlatformImage, type Pushed } from "../helpers/oci.js";
import { artifact, SBOM_TYPE, SIG_TYPE, tagIndex } from "../helpers/referrers.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let regA: StartedRegistry;
let regB: StartedRegistry;
const connections: Redis[] = [];
const remotes: Remote[] = [];
const prefix = `{referrers-${randomUUID()}}:lock:`;

function remoteOf(reg: StartedRegistry, limits: Record<string, number> = {}): Remote {
  const remote = new Remote(registrySchema.parse({ id: `r${remotes.length}`, url: reg.url, kind: "distribution", insecure: true, limits }));
  remotes.push(remote);
  return remote;
}

function lockOn(): RedisLock {
  const conn = redis.client("referrers-test");
  connections.push(conn);
  return new RedisLock(conn, prefix, { ttlMs: 5000, maxWaitMs: 60_000, pollMs: 5 });
}

beforeAll(async () => {
  [redis, regA, regB] = await Promise.all([startRedis(), startRegistry(), startRegistry()]);
});

afterAll(async () => {
  await Promise.all(remotes.map((r) => r.close()));
  connections.forEach((c) => c.disconnect());
  await Promise.all([redis?.container.stop(), regA?.container.stop(), regB?.container.stop()]);
});

describe("referrers on a registry without the referrers API", () => {
  it("when a referrer is pushed, then it lands in the sha256-<hex> index with its artifactType and annotations, once", async () => {
    const repo = `ref-${Date.now()}/push`;
    const subject = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" });
    const remote = remoteOf(regA);
    const lock = lockOn();
    const body = await artifact(regA.url, repo, subject, SIG_TYPE, "one");
    const pushed = await pushReferrer(remote, repo, body, MEDIA_TYPES.ociManifest, { lock });
    expect(pushed.via).toBe("tag-schema");
    // the same manifest again: no second entry
    await pushReferrer(remote, repo, body, MEDIA_TYPES.ociManifest, { lock });
    const index = await tagIndex(regA.url, repo, subject.digest);
    expect(index.manifests).toEqual([
      { mediaType: MEDIA_TYPES.ociManifest, digest: pushed.descriptor.digest, size: body.length, artifactType: SIG_TYPE, annotations: { "org.example.note": "one" } },
    ]);
    const listed = await listReferrers(remote, repo, subject.digest);
    expect(listed).toEqual({ via: "tag-schema", referrers: index.manifests });
  });

  it("when 20 referrers of one subject are pushed at once from 4 clients, then the index holds all 20", async () => {
    const repo = `ref-${Date.now()}/concurrent`;
    const subject = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" });
    const clients = Array.from({ length: 4 }, () => ({ remote: remoteOf(regA), lock: lockOn() }));
    const bodies = await Promise.all(Array.from({ length: 20 }, (_, i) => artifact(regA.url, repo, subject, SIG_TYPE, `n${i}`)));
    const pushed = await Promise.all(bodies.map((b, i) => pushReferrer(clients[i % 4]!.remote, repo, b, MEDIA_TYPES.ociManifest, { lock: clients[i % 4]!.lock })));
    const index = await tagIndex(regA.url, repo, subject.digest);
    expect(index.manifests.map((m) => m.digest).sort()).toEqual(pushed.map((p) => p.descriptor.digest).sort());
    expect(new Set(index.manifests.map((m) => m.digest)).size).toBe(20);
  });

  it("when listing with an artifactType, then only referrers of that type come back; a subject without referrers has none", async () => {
    const repo = `ref-${Date.now()}/filter`;
    const subject = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" });
    const remote = remoteOf(regA);
    const lock = lockOn();
    await pushReferrer(remote, repo, await artifact(regA.url, repo, subject, SIG_TYPE, "sig"), MEDIA_TYPES.ociManifest, { lock });
    await pushReferrer(remote, repo, await artifact(regA.url, repo, subject, SBOM_TYPE, "sbom"), MEDIA_TYPES.ociManifest, { lock });
    const sboms = await listReferrers(remote, repo, subject.digest, { artifactType: SBOM_TYPE });
    expect(sboms.referrers.map((r) => r.annotations?.["org.example.note"])).toEqual(["sbom"]);
    const other = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "arm64" });
    expect(await listReferrers(remote, repo, other.digest)).toEqual({ via: "tag-schema", referrers: [] });
  });

  it("when an index lists more referrers than the bound, then listing stops with REGISTRY_ANSWER_TOO_LARGE", async () => {
    const repo = `ref-${Date.now()}/bound`;
    const subject = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" });
    const remote = remoteOf(regA);
    const lock = lockOn();
    for (let i = 0; i < 3; i++) await pushReferrer(remote, repo, await artifact(regA.url, repo, subject, SIG_TYPE, `b${i}`), MEDIA_TYPES.ociManifest, { lock });
    await expect(listReferrers(remote, repo, subject.digest, { limits: { maxReferrers: 2 } })).rejects.toMatchObject({ code: "REGISTRY_ANSWER_TOO_LARGE" });
    await expect(
      pushReferrer(remote, repo, await artifact(regA.url, repo, subject, SIG_TYPE, "b3"), MEDIA_TYPES.ociManifest, { lock, limits: { maxReferrers: 3 } }),
    ).rejects.toMatchObject({ code: "REGISTRY_ANSWER_TOO_LARGE" });
    expect((await tagIndex(regA.url, repo, subject.digest)).manifests).toHaveLength(3);
  });

  it("when the sha256-<hex> tag holds something other than an index, then listing finds none and a push leaves the tag alone", async () => {
    const repo = `ref-${Date.now()}/foreign`;
    const subject = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" });
    await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "arm64" }, {}, {}, 512, referrersTag(subject.digest));
    const remote = remoteOf(regA);
    expect((await listReferrers(remote, repo, subject.digest)).referrers).toEqual([]);
    await expect(
      pushReferrer(remote, repo, await artifact(regA.url, repo, subject, SIG_TYPE, "x"), MEDIA_TYPES.ociManifest, { lock: lockOn() }),
    ).rejects.toMatchObject({ code: "REGISTRY_REJECTED" });
  });
});

describe("copying referrers", () => {
  it("when an image's referrers (and a referrer's referrer) are copied to another registry, then the target lists them and serves their blobs", async () => {
    const repo = `ref-${Date.now()}/copy`;
    const subject = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" });
    const a = remoteOf(regA);
    const b = remoteOf(regB);
    const lock = lockOn();
    const sig = await pushReferrer(a, repo, await artifact(regA.url, repo, subject, SIG_TYPE, "sig"), MEDIA_TYPES.ociManifest, { lock });
    const sbom = await pushReferrer(a, repo, await artifact(regA.url, repo, subject, SBOM_TYPE, "sbom"), MEDIA_TYPES.ociManifest, { lock });
    const sbomAsSubject: Pushed = { digest: sbom.descriptor.digest, size: sbom.descriptor.size, mediaType: sbom.descriptor.mediaType };
    const sbomSig = await pushReferrer(a, repo, await artifact(regA.url, repo, sbomAsSubject, SIG_TYPE, "sbom-sig"), MEDIA_TYPES.ociManifest, { lock });

    const result = await copyReferrers(a, repo, b, "promoted/app", subject.digest, { lock });
    expect(result).toMatchObject({ referrers: 3, skipped: 0, indexed: 3, manifests: 3, blobsCopied: 4 });
    const top = await listReferrers(b, "promoted/app", subject.digest);
    expect(top.referrers.map((r) => r.digest).sort()).toEqual([sig.descriptor.digest, sbom.descriptor.digest].sort());
    const second = await listReferrers(b, "promoted/app", sbom.descriptor.digest);
    expect(second.referrers.map((r) => r.digest)).toEqual([sbomSig.descriptor.digest]);
    const manifest = await fetch(`${regB.url}/v2/promoted/app/manifests/${sbomSig.descriptor.digest}`, { headers: { accept: MEDIA_TYPES.ociManifest } });
    const layer = ((await manifest.json()) as { layers: { digest: string }[] }).layers[0]!.digest;
    expect((await fetch(`${regB.url}/v2/promoted/app/blobs/${layer}`)).status).toBe(200);

    // again: nothing new to write, nothing listed twice
    const again = await copyReferrers(a, repo, b, "promoted/app", subject.digest, { lock });
    expect(again).toMatchObject({ referrers: 3, indexed: 0, blobsCopied: 0 });
    expect((await tagIndex(regB.url, "promoted/app", subject.digest)).manifests).toHaveLength(2);
  });

  it("when the depth bound is 1, then referrers of referrers stay behind", async () => {
    const repo = `ref-${Date.now()}/depth`;
    const subject = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" });
    const a = remoteOf(regA);
    const lock = lockOn();
    const sbom = await pushReferrer(a, repo, await artifact(regA.url, repo, subject, SBOM_TYPE, "sbom"), MEDIA_TYPES.ociManifest, { lock });
    const sbomAsSubject: Pushed = { digest: sbom.descriptor.digest, size: sbom.descriptor.size, mediaType: sbom.descriptor.mediaType };
    await pushReferrer(a, repo, await artifact(regA.url, repo, sbomAsSubject, SIG_TYPE, "deep"), MEDIA_TYPES.ociManifest, { lock });
    const result = await copyReferrers(a, repo, a, `${repo}-copy`, subject.digest, { lock, limits: { maxDepth: 1 } });
    expect(result).toMatchObject({ referrers: 1, blobsMounted: 2 });
    expect((await listReferrers(a, `${repo}-copy`, sbom.descriptor.digest)).referrers).toEqual([]);
  });
});
