// Migrating off Docker Content Trust on the real stack: a notary-server over TLS, a distribution
// registry and Redis. Five tags are signed in Notary v1 by the notary CLI itself (no regops code
// involved), one is overwritten after signing; a migrate-signatures job re-signs the four that
// still serve their signed digest in Notation, skips the moved one with its reason, and a second
// run signs nothing. The new signatures are checked by the Notation trust policy evaluator.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSmallBlob } from "../../src/registry/blob.js";
import { getManifest } from "../../src/registry/manifest.js";
import { listReferrers } from "../../src/registry/referrers/list.js";
import { Remote } from "../../src/registry/remote.js";
import { registrySchema } from "../../src/registry/schema.js";
import {
  certificatesFromFile,
  evaluateArtifact,
  parseSignatureManifest,
  readTrustPolicy,
  SIGNATURE_ARTIFACT_TYPE,
  writeTestCertificateFiles,
} from "../../src/sign/notation/index.js";
import { readCertificate } from "../../src/sign/notation/certificate.js";
import { startNotaryServer, type StartedNotary } from "../helpers/notary.js";
import { pushPlatformImage, type Pushed } from "../helpers/oci.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const run = promisify(execFile);
const PASSPHRASES = { NOTARY_ROOT_PASSPHRASE: `root-${randomBytes(8).toString("hex")}`, NOTARY_TARGETS_PASSPHRASE: `targets-${randomBytes(8).toString("hex")}`, NOTARY_SNAPSHOT_PASSPHRASE: `snap-${randomBytes(8).toString("hex")}` };
let redis: StartedRedis;
let registry: StartedRegistry;
let notary: StartedNotary;
let svc: TestService;
let remote: Remote;
let caCertificate: Buffer;
const repo = `dct-${Date.now()}/app`;
const signerDir = mkdtempSync(join(tmpdir(), "regops-dct-signer-"));

/** The notary CLI as a DCT user runs it, with its own trust dir. */
async function notaryCli(...args: string[]): Promise<string> {
  const r = await run("notary", ["-s", notary.url, "--tlscacert", notary.caPath, "-d", signerDir, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: signerDir, ...PASSPHRASES },
  });
  return r.stdout + r.stderr;
}

async function submit(spec: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify(spec) });
  const body = await json(res);
  if (res.status !== 202) return { status: res.status, ...body };
  return waitForJob(svc.url, body.id, 120_000);
}

/** Whether `subject` has a Notation signature in the registry that the test CA's policy accepts. */
async function notationVerified(subject: Pushed): Promise<boolean> {
  const { referrers } = await listReferrers(remote, repo, subject.digest, { artifactType: SIGNATURE_ARTIFACT_TYPE });
  const signatures = [];
  for (const r of referrers) {
    const parsed = parseSignatureManifest((await getManifest(remote, { domain: registry.host, path: repo, digest: r.digest })).body);
    signatures.push({ envelopeDescriptor: parsed.envelope, envelope: await getSmallBlob(remote, repo, parsed.envelope.digest, 1024 * 1024) });
  }
  const policy = readTrustPolicy({
    version: "1.0",
    trustPolicies: [{ name: "migrated", registryScopes: ["*"], signatureVerification: { level: "strict" }, trustStores: ["ca:migrated"], trustedIdentities: ["*"] }],
  });
  const stores = new Map([["ca:migrated", [readCertificate(caCertificate)]]]);
  return evaluateArtifact(signatures, { policy, stores, repository: `${registry.host}/${repo}`, subject }).verified;
}

beforeAll(async () => {
  [redis, registry, notary] = await Promise.all([startRedis(), startRegistry(), startNotaryServer()]);
  remote = new Remote(registrySchema.parse({ id: "local", url: registry.url, kind: "distribution", insecure: true }));
  const files = await writeTestCertificateFiles(mkdtempSync(join(tmpdir(), "regops-migrate-certs-")), { name: "migrated", keyType: "ec" });
  caCertificate = certificatesFromFile(readFileSync(files.caCertificate), 1)[0]!;
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }],
    extra: {
      notary: { server: notary.url, rootCa: notary.caPath, trustDir: mkdtempSync(join(tmpdir(), "regops-trust-")), passphrases: {} },
      signing: { default: "notation", notation: { key: files.key, certificateChain: files.certificateChain } },
    },
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await remote?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop(), notary?.container.stop()]);
});

describe("migrate-signatures (Notary v1 to Notation)", () => {
  it("when 5 DCT-signed tags are migrated and 1 was overwritten after signing, then 4 are signed in Notation and 1 is skipped; a second run signs none", async () => {
    const gun = `${registry.host}/${repo}`;
    const images: Pushed[] = [];
    await notaryCli("init", "-p", gun);
    for (let i = 1; i <= 5; i++) {
      const img = await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, { n: String(i) }, {}, 512, `v${i}`);
      await notaryCli("addhash", "-p", `--sha256=${img.digest.slice("sha256:".length)}`, gun, `v${i}`, String(img.size));
      images.push(img);
    }
    expect((await notaryCli("list", gun)).split("\n").filter((l) => /^v\d /.test(l))).toHaveLength(5);
    // v3 is pushed again after it was signed: its DCT signature names the old digest
    const moved = await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "arm64" }, {}, {}, 512, "v3");

    const first = await submit({ type: "migrate-signatures", repository: gun });
    expect(first.state, JSON.stringify(first)).toBe("completed");
    expect(first.result).toMatchObject({ format: "notation", migrated: 4, skipped: 1, failed: 0 });
    const byTag = new Map(first.result.tags.map((t: { tag: string }) => [t.tag, t]));
    expect(byTag.get("v3")).toMatchObject({ outcome: "skipped", reason: "digest-moved", digest: images[2]!.digest });
    for (const i of [0, 1, 3, 4]) expect(byTag.get(`v${i + 1}`)).toMatchObject({ outcome: "migrated", digest: images[i]!.digest, signature: expect.stringMatching(/^sha256:/) });
    for (const i of [0, 1, 3, 4]) expect(await notationVerified(images[i]!)).toBe(true);
    // neither the digest DCT signed for v3 nor the one v3 now names got a new signature
    expect(await notationVerified(images[2]!)).toBe(false);
    expect(await notationVerified(moved)).toBe(false);

    // the second run, through GraphQL: every digest is signed already
    const res = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.write), "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation { migrateSignatures(input: { guns: ["${gun}"], format: notation }) { id type } }` }),
    });
    const gql = await json(res);
    expect(gql.errors).toBeUndefined();
    expect(gql.data.migrateSignatures.type).toBe("migrate_signatures");
    const second: any = await waitForJob(svc.url, gql.data.migrateSignatures.id, 120_000);
    expect(second.state, JSON.stringify(second.error)).toBe("completed");
    expect(second.result).toMatchObject({ migrated: 0, skipped: 5, failed: 0 });
    expect(second.result.tags.filter((t: { reason: string }) => t.reason === "already-signed")).toHaveLength(4);
    for (const i of [0, 1, 3, 4]) {
      const { referrers } = await listReferrers(remote, repo, images[i]!.digest, { artifactType: SIGNATURE_ARTIFACT_TYPE });
      expect(referrers).toHaveLength(1);
    }
  });

  it("when the job names neither a repository nor GUNs, or a format without a signer, then it is refused at the door naming the field", async () => {
    const neither = await submit({ type: "migrate-signatures" });
    expect(neither.status).toBe(400);
    expect(neither.errors[0].field).toBe("repository");
    const cosign = await submit({ type: "migrate-signatures", repository: `${registry.host}/${repo}`, format: "cosign" });
    expect([cosign.status, cosign.code]).toEqual([422, "SIGNING_NOT_CONFIGURED"]);
    expect(cosign.errors[0].field).toBe("format");
  });
});
