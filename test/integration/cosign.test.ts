// cosign signatures on a real distribution 2.8 registry and Redis: an image signed by regops
// (a cosign 3 bundle artifact, found through the sha256-<hex> index) verifies; a tampered bundle,
// another key, a signature moved onto another image, and a legacy `.sig` signature are judged.
import { createHash, generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLock } from "../../src/locks/redis-lock.js";
import { MEDIA_TYPES } from "../../src/registry/manifest.js";
import { pushReferrer } from "../../src/registry/referrers/push.js";
import { referrersTag } from "../../src/registry/referrers/tag-schema.js";
import type { Reference } from "../../src/registry/reference.js";
import { Remote } from "../../src/registry/remote.js";
import { registrySchema } from "../../src/registry/schema.js";
import { verifyBundleSignatures, verifyCosignSignatures } from "../../src/sign/cosign/find.js";
import { signingKeyFromPem, type SigningKey } from "../../src/sign/cosign/keys.js";
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, verifyLegacySignatures } from "../../src/sign/cosign/legacy.js";
import { signImage } from "../../src/sign/cosign/sign.js";
import { pushBlob, pushPlatformImage, putManifest, type Pushed } from "../helpers/oci.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let reg: StartedRegistry;
let remote: Remote;
let conn: Redis;
let lock: RedisLock;
const lockPrefix = `{cosign-${randomUUID()}}:lock:`;
const extraConnections: Redis[] = [];
const extraRemotes: Remote[] = [];

const newKey = (): SigningKey => signingKeyFromPem(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string);
const refOf = (repo: string, img: Pushed): Reference & { digest: string } => ({ domain: reg.host, path: repo, digest: img.digest });
const getJson = async (url: string, accept: string = MEDIA_TYPES.ociManifest) => (await fetch(url, { headers: { accept } })).json() as Promise<any>;

beforeAll(async () => {
  [redis, reg] = await Promise.all([startRedis(), startRegistry()]);
  remote = new Remote(registrySchema.parse({ id: "local", url: reg.url, kind: "distribution", insecure: true }));
  conn = redis.client("cosign-test");
  lock = new RedisLock(conn, lockPrefix, { ttlMs: 5000, pollMs: 5 });
});

afterAll(async () => {
  await Promise.all([remote, ...extraRemotes].map((r) => r?.close()));
  [conn, ...extraConnections].forEach((c) => c?.disconnect());
  await Promise.all([redis?.container.stop(), reg?.container.stop()]);
});

describe("cosign bundle signatures in the registry", () => {
  it("when regops signs an image, then the signature is stored as cosign 3 stores it, is listed through the tag schema, and verifies", async () => {
    const repo = `cosign-${Date.now()}/app`;
    const img = await pushPlatformImage(reg.url, repo, { os: "linux", architecture: "amd64" });
    const key = newKey();
    const pushed = await signImage(remote, refOf(repo, img), img, { key, lock });
    expect(pushed.via).toBe("tag-schema");

    const manifest = await getJson(`${reg.url}/v2/${repo}/manifests/${pushed.descriptor.digest}`);
    expect(manifest).toMatchObject({
      artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      config: { mediaType: "application/vnd.oci.empty.v1+json", size: 2 },
      layers: [{ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" }],
      subject: { digest: img.digest, size: img.size, mediaType: img.mediaType },
      annotations: { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1" },
    });
    const index = await getJson(`${reg.url}/v2/${repo}/manifests/${referrersTag(img.digest)}`, MEDIA_TYPES.ociIndex);
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([pushed.descriptor.digest]);

    const results = await verifyBundleSignatures(remote, refOf(repo, img), { publicKeys: [key.publicKey] });
    expect(results).toEqual([{ digest: pushed.descriptor.digest, format: "bundle", verified: true, keyHint: key.hint, signedAt: manifest.annotations["org.opencontainers.image.created"] }]);

    const withOtherKey = await verifyBundleSignatures(remote, refOf(repo, img), { publicKeys: [newKey().publicKey] });
    expect(withOtherKey).toMatchObject([{ verified: false, reason: "wrong-key" }]);
  });

  it("when a bundle's payload is changed and pushed as a signature, then it is rejected as tampered", async () => {
    const repo = `cosign-${Date.now()}/tampered`;
    const img = await pushPlatformImage(reg.url, repo, { os: "linux", architecture: "amd64" });
    const key = newKey();
    const good = await signImage(remote, refOf(repo, img), img, { key, lock });
    const manifest = await getJson(`${reg.url}/v2/${repo}/manifests/${good.descriptor.digest}`);
    const bundle = await getJson(`${reg.url}/v2/${repo}/blobs/${manifest.layers[0].digest}`);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
    statement.subject[0].name = `${reg.host}/someone/else`;
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
    const bytes = Buffer.from(JSON.stringify(bundle));
    const layer = await pushBlob(reg.url, repo, bytes);
    const forged = { ...manifest, layers: [{ ...manifest.layers[0], digest: layer, size: bytes.length }] };
    const bad = await pushReferrer(remote, repo, Buffer.from(JSON.stringify(forged)), MEDIA_TYPES.ociManifest, { lock });

    const results = await verifyBundleSignatures(remote, refOf(repo, img), { publicKeys: [key.publicKey] });
    const byDigest = new Map(results.map((r) => [r.digest, r]));
    expect(byDigest.get(good.descriptor.digest)).toMatchObject({ verified: true });
    expect(byDigest.get(bad.descriptor.digest)).toMatchObject({ verified: false, reason: "tampered" });
  });

  it("when an image's signature is attached to another image, then it is rejected there as signing another manifest", async () => {
    const repo = `cosign-${Date.now()}/moved`;
    const signed = await pushPlatformImage(reg.url, repo, { os: "linux", architecture: "amd64" });
    const other = await pushPlatformImage(reg.url, repo, { os: "linux", architecture: "arm64" });
    const key = newKey();
    const sig = await signImage(remote, refOf(repo, signed), signed, { key, lock });
    const manifest = await getJson(`${reg.url}/v2/${repo}/manifests/${sig.descriptor.digest}`);
    const moved = { ...manifest, subject: { mediaType: other.mediaType, digest: other.digest, size: other.size } };
    await pushReferrer(remote, repo, Buffer.from(JSON.stringify(moved)), MEDIA_TYPES.ociManifest, { lock });
    expect(await verifyBundleSignatures(remote, refOf(repo, other), { publicKeys: [key.publicKey] })).toMatchObject([{ verified: false, reason: "wrong-subject" }]);
  });
});

describe("concurrent signing", () => {
  it("when 20 signatures of one digest are made at once by 4 clients, then the index lists 20 and all 20 verify", async () => {
    const repo = `cosign-${Date.now()}/many`;
    const img = await pushPlatformImage(reg.url, repo, { os: "linux", architecture: "amd64" });
    const clients = Array.from({ length: 4 }, (_, i) => {
      const c = redis.client("cosign-test");
      extraConnections.push(c);
      const r = new Remote(registrySchema.parse({ id: `c${i}`, url: reg.url, kind: "distribution", insecure: true }));
      extraRemotes.push(r);
      return { remote: r, lock: new RedisLock(c, lockPrefix, { ttlMs: 5000, pollMs: 5 }) };
    });
    const keys = Array.from({ length: 20 }, newKey);
    const pushed = await Promise.all(keys.map((key, i) => signImage(clients[i % 4]!.remote, refOf(repo, img), img, { key, lock: clients[i % 4]!.lock })));
    const index = await getJson(`${reg.url}/v2/${repo}/manifests/${referrersTag(img.digest)}`, MEDIA_TYPES.ociIndex);
    expect(index.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual(pushed.map((p) => p.descriptor.digest).sort());
    const results = await verifyBundleSignatures(remote, refOf(repo, img), { publicKeys: keys.map((k) => k.publicKey) });
    expect(results).toHaveLength(20);
    expect(results.every((r) => r.verified)).toBe(true);
  });
});

describe("legacy cosign signatures (sha256-<hex>.sig)", () => {
  it("when an image carries a cosign 2 simple-signing signature, then it verifies with the signer's key only", async () => {
    const repo = `cosign-${Date.now()}/legacy`;
    const img = await pushPlatformImage(reg.url, repo, { os: "linux", architecture: "amd64" });
    const key = newKey();
    // what cosign 2 writes: the payload as a layer, its signature in an annotation
    const payload = Buffer.from(
      JSON.stringify({ critical: { identity: { "docker-reference": `${reg.host}/${repo}` }, image: { "docker-manifest-digest": img.digest }, type: "cosign container image signature" }, optional: null }),
    );
    const layer = await pushBlob(reg.url, repo, payload);
    const config = Buffer.from(JSON.stringify({ architecture: "", os: "", rootfs: { type: "layers", diff_ids: [layer] }, config: {} }));
    const configDigest = await pushBlob(reg.url, repo, config);
    await putManifest(reg.url, repo, `${referrersTag(img.digest)}.sig`, MEDIA_TYPES.ociManifest, {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: configDigest },
      layers: [{ mediaType: SIMPLE_SIGNING_MEDIA_TYPE, size: payload.length, digest: layer, annotations: { [SIGNATURE_ANNOTATION]: sign("sha256", payload, key.privateKey).toString("base64") } }],
    });
    expect(createHash("sha256").update(payload).digest("hex")).toBe(layer.slice(7));

    expect(await verifyLegacySignatures(remote, refOf(repo, img), { publicKeys: [key.publicKey] })).toMatchObject([{ format: "legacy", verified: true, keyHint: key.hint }]);
    expect(await verifyLegacySignatures(remote, refOf(repo, img), { publicKeys: [newKey().publicKey] })).toMatchObject([{ verified: false, reason: "wrong-key" }]);
    const other = await pushPlatformImage(reg.url, repo, { os: "linux", architecture: "arm64" });
    expect(await verifyLegacySignatures(remote, refOf(repo, other), { publicKeys: [key.publicKey] })).toEqual([]);
    // both formats at once: a cosign 3 signature next to the legacy one
    await signImage(remote, refOf(repo, img), img, { key, lock });
    const all = await verifyCosignSignatures(remote, refOf(repo, img), { publicKeys: [key.publicKey] });
    expect(all.map((r) => [r.format, r.verified])).toEqual([["bundle", true], ["legacy", true]]);
  });
});
