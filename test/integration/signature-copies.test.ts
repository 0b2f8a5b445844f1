// Signatures travel with copies, on two real distribution 2.8 registries (no referrers API: the
// tag schema) and a real Redis: an image signed in registry A with Notation and cosign, retagged
// by a regops job to registry B, verifies in B with the Notation trust policy evaluator and
// @sigstore/verify; an index brings the referrers of its children; `referrers: false` copies none.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLock } from "../../src/locks/redis-lock.js";
import { getSmallBlob } from "../../src/registry/blob.js";
import { getManifest, MEDIA_TYPES } from "../../src/registry/manifest.js";
import { listReferrers } from "../../src/registry/referrers/list.js";
import { pushReferrer } from "../../src/registry/referrers/push.js";
import { Remote } from "../../src/registry/remote.js";
import { registrySchema } from "../../src/registry/schema.js";
import { verifyCosignSignatures } from "../../src/sign/cosign/find.js";
import { signingKeyFromPem, type SigningKey } from "../../src/sign/cosign/keys.js";
import { BUNDLE_MEDIA_TYPE } from "../../src/sign/cosign/media-types.js";
import { signImage } from "../../src/sign/cosign/sign.js";
import { readCertificate } from "../../src/sign/notation/certificate.js";
import {
  createNotationSignature,
  evaluateArtifact,
  generateTestCertificates,
  parseSignatureManifest,
  readTrustPolicy,
  SIGNATURE_ARTIFACT_TYPE,
  type NotationArtifactVerdict,
  type TestCertificates,
} from "../../src/sign/notation/index.js";
import { pushBlob, pushMultiArch, pushPlatformImage, type Pushed } from "../helpers/oci.js";
import { auth, json, KEYS, runJob, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let regA: StartedRegistry;
let regB: StartedRegistry;
let svc: TestService;
let conn: Redis;
let lock: RedisLock;
let remoteA: Remote;
let remoteB: Remote;
let certs: TestCertificates;
let cosignKey: SigningKey;

const retag = (body: Record<string, unknown>) => runJob(svc.url, { type: "retag", ...body });

/** Signs `subject` in registry A with Notation (the test CA's leaf) and pushes it as a referrer. */
async function notationSign(repo: string, subject: Pushed): Promise<string> {
  const sig = createNotationSignature({ subject, privateKey: certs.leaf.privateKey, chain: [certs.leaf.certificate, certs.ca.certificate] });
  await pushBlob(regA.url, repo, sig.configBytes);
  await pushBlob(regA.url, repo, sig.envelope);
  const pushed = await pushReferrer(remoteA, repo, sig.manifest.bytes, MEDIA_TYPES.ociManifest, { lock });
  return pushed.descriptor.digest;
}

/** The Notation verdict for `subject` in `remote`, from the signatures found there. */
async function notationVerdict(remote: Remote, repo: string, subject: Pushed): Promise<NotationArtifactVerdict> {
  const { referrers } = await listReferrers(remote, repo, subject.digest, { artifactType: SIGNATURE_ARTIFACT_TYPE });
  const signatures = [];
  for (const r of referrers) {
    const m = await getManifest(remote, { domain: remote.host, path: repo, digest: r.digest });
    const parsed = parseSignatureManifest(m.body);
    signatures.push({ envelopeDescriptor: parsed.envelope, envelope: await getSmallBlob(remote, repo, parsed.envelope.digest, 1024 * 1024) });
  }
  const policy = readTrustPolicy({
    version: "1.0",
    trustPolicies: [{ name: "copies", registryScopes: ["*"], signatureVerification: { level: "strict" }, trustStores: ["ca:copies"], trustedIdentities: ["*"] }],
  });
  const stores = new Map([["ca:copies", [readCertificate(certs.ca.certificate)]]]);
  return evaluateArtifact(signatures, { policy, stores, repository: `${remote.host}/${repo}`, subject });
}

const cosignVerified = async (remote: Remote, repo: string, subject: Pushed) =>
  (await verifyCosignSignatures(remote, { domain: remote.host, path: repo, digest: subject.digest }, { publicKeys: [cosignKey.publicKey] })).map((r) => r.verified);

beforeAll(async () => {
  [redis, regA, regB] = await Promise.all([startRedis(), startRegistry(), startRegistry()]);
  conn = redis.client("signature-copies-test");
  lock = new RedisLock(conn, `{copies-${randomUUID()}}:lock:`, { ttlMs: 5000, pollMs: 5 });
  remoteA = new Remote(registrySchema.parse({ id: "a", url: regA.url, kind: "distribution", insecure: true }));
  remoteB = new Remote(registrySchema.parse({ id: "b", url: regB.url, kind: "distribution", insecure: true }));
  certs = generateTestCertificates({ name: "copies", keyType: "ec" });
  cosignKey = signingKeyFromPem(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      { id: "staging", url: regA.url, kind: "distribution", insecure: true },
      { id: "prod", url: regB.url, kind: "distribution", insecure: true },
    ],
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await Promise.all([remoteA?.close(), remoteB?.close()]);
  conn?.disconnect();
  await Promise.all([redis?.container.stop(), regA?.container.stop(), regB?.container.stop()]);
});

describe("signatures travel with copies", () => {
  it("when a signed image is retagged to a second registry, then its Notation and cosign signatures arrive and verify there", async () => {
    const repo = `copies-${Date.now()}/app`;
    const img = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const notationDigest = await notationSign(repo, img);
    await signImage(remoteA, { domain: regA.host, path: repo, digest: img.digest }, img, { key: cosignKey, lock });
    // nothing in B yet: the verdicts below can only pass because the copy brought the signatures
    expect((await notationVerdict(remoteB, repo, img)).verified).toBe(false);

    const target = `${regB.host}/prod/app:v1`;
    const job = await retag({ source: `${regA.host}/${repo}:v1`, targets: [target] });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ sourceDigest: img.digest, referrers: 2, targets: [{ target, digest: img.digest, referrers: 2 }] });

    const listed = await listReferrers(remoteB, "prod/app", img.digest);
    expect(listed.via).toBe("tag-schema");
    expect(listed.referrers.map((r) => r.artifactType).sort()).toEqual([BUNDLE_MEDIA_TYPE, SIGNATURE_ARTIFACT_TYPE].sort());
    const notation = await notationVerdict(remoteB, "prod/app", img);
    expect(notation).toMatchObject({ verified: true, level: "strict" });
    expect(notation.signatures).toMatchObject([{ verified: true, signer: certs.leafSubject }]);
    expect(await cosignVerified(remoteB, "prod/app", img)).toEqual([true]);

    // the doors list what arrived
    const rest = await json(
      await fetch(`${svc.url}/v1/referrers?ref=${encodeURIComponent(target)}&artifactType=${encodeURIComponent(SIGNATURE_ARTIFACT_TYPE)}`, { headers: auth(KEYS.read) }),
    );
    expect(rest).toMatchObject({ digest: img.digest, via: "tag-schema", referrers: [{ digest: notationDigest, artifactType: SIGNATURE_ARTIFACT_TYPE }] });
    const gql = await json(
      await fetch(`${svc.url}/graphql`, {
        method: "POST",
        headers: { ...auth(KEYS.read), "content-type": "application/json" },
        body: JSON.stringify({ query: `{ image(ref: "${target}") { digest referrers { digest mediaType artifactType size annotations } } }` }),
      }),
    );
    expect(gql.errors).toBeUndefined();
    expect(gql.data.image.referrers.map((r: { artifactType: string }) => r.artifactType).sort()).toEqual([BUNDLE_MEDIA_TYPE, SIGNATURE_ARTIFACT_TYPE].sort());
    const bad = await fetch(`${svc.url}/v1/referrers?ref=${encodeURIComponent(target)}&artifactType=not%20a%20type`, { headers: auth(KEYS.read) });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].field).toBe("query.artifactType");
  });

  it("when a signed index is retagged, then the referrers of the index and of its children arrive", async () => {
    const repo = `copies-${Date.now()}/multi`;
    const multi = await pushMultiArch(regA.url, repo, "v2");
    await signImage(remoteA, { domain: regA.host, path: repo, digest: multi.index.digest }, multi.index, { key: cosignKey, lock });
    await notationSign(repo, multi.arm64);

    const job = await retag({ source: `${regA.host}/${repo}:v2`, targets: [`${regB.host}/prod/multi:v2`] });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ referrers: 2, targets: [{ digest: multi.index.digest }] });
    expect(await cosignVerified(remoteB, "prod/multi", multi.index)).toEqual([true]);
    expect((await notationVerdict(remoteB, "prod/multi", multi.arm64)).verified).toBe(true);
    expect((await listReferrers(remoteB, "prod/multi", multi.amd64.digest)).referrers).toEqual([]);
  });

  it("when referrers is false, then the image is copied and none of its referrers", async () => {
    const repo = `copies-${Date.now()}/optout`;
    const img = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    await notationSign(repo, img);
    await signImage(remoteA, { domain: regA.host, path: repo, digest: img.digest }, img, { key: cosignKey, lock });

    const job = await retag({ source: `${regA.host}/${repo}:v1`, targets: [`${regB.host}/prod/optout:v1`], referrers: false });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ referrers: 0, targets: [{ digest: img.digest }] });
    expect((await listReferrers(remoteB, "prod/optout", img.digest)).referrers).toEqual([]);
    expect((await notationVerdict(remoteB, "prod/optout", img)).verified).toBe(false);
  });
});
