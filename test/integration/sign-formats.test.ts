// Notation and cosign through the sign and verify jobs, on a real distribution 2.8 registry (no
// referrers API: signatures are found through the sha256-<hex> tag-schema index) and Redis. The
// Notation tools' own signatures (the corpus's OCI layouts) are replayed into the registry and
// judged by the verify job under a strict trust policy; regops' own signatures (both formats)
// verify (the JWS checked by openssl too); 20 signers of one digest at once leave one signature per
// format, and a retry finds the signature its first run pushed; a refresh with
// requireSignature pulls only a signed image.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSigning } from "../../src/sign/material.js";
import { certificatesFromFile, createNotationSignature, generateTestCertificates, writeTestCertificateFiles } from "../../src/sign/notation/index.js";
import { prepareNotationSignature } from "../../src/sign/notation/push.js";
import { signingName } from "../../src/sign/sign-once.js";
import { RedisSignatureDrafts } from "../../src/store/signature-drafts.js";
import { storeKeys } from "../../src/store/keys.js";
import type { TestCertificateFiles } from "../../src/sign/notation/test-certificate-files.js";
import { corpus, corpusPath } from "../helpers/corpus.js";
import { ecdsaDer } from "../helpers/ecdsa-der.js";
import { layoutManifests, readBlob } from "../helpers/oci-layout.js";
import { OCI_INDEX, OCI_MANIFEST, pushBlob, pushPlatformImage } from "../helpers/oci.js";
import { pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { runJob, startTestService, type TestService, waitForJob } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let cosignPem = "";
let signingFiles: TestCertificateFiles;
const run = `${Date.now().toString(36)}`;
const PREFIX = `sf${run}`;
const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const NOTATION = "application/vnd.cncf.notary.signature";
const layouts = () => corpusPath("signatures", "notation", "oci_layout");
const localkeys = (name: string) => corpusPath("signatures", "notation", "localkeys", name);

const submit = (spec: Record<string, unknown>, timeoutMs?: number) => runJob(svc.url, spec, { timeoutMs });

async function putBytes(repo: string, reference: string, mediaType: string, body: Buffer): Promise<void> {
  const res = await fetch(`${registry.url}/v2/${repo}/manifests/${reference}`, { method: "PUT", headers: { "content-type": mediaType }, body });
  if (res.status !== 201) throw new Error(`PUT ${repo}:${reference}: ${res.status} ${await res.text()}`);
}

/** Replays an OCI layout as the Notation tools left it: blobs, the image as v1, signatures by digest, then the sha256-… index. */
async function replay(layout: string, repo: string): Promise<string> {
  const dir = join(layouts(), layout);
  for (const file of readdirSync(join(dir, "blobs", "sha256"))) await pushBlob(registry.url, repo, readBlob(dir, `sha256:${file}`));
  const manifests = layoutManifests(dir);
  const tagOf = (m: (typeof manifests)[number]) => m.annotations?.["org.opencontainers.image.ref.name"];
  const image = manifests.find((m) => tagOf(m) === "v1")!;
  await putBytes(repo, "v1", image.mediaType, readBlob(dir, image.digest));
  for (const m of manifests.filter((m) => m.mediaType === OCI_MANIFEST && !tagOf(m))) await putBytes(repo, m.digest, m.mediaType, readBlob(dir, m.digest));
  const index = manifests.find((m) => m.mediaType === OCI_INDEX)!;
  const indexBytes = readBlob(dir, index.digest);
  await putBytes(repo, tagOf(index)!, OCI_INDEX, indexBytes);
  // e2e-valid-multiple-signatures holds two signature manifests but its sha256-… index lists one
  // (it is e2e-valid-signature's): the missing one is appended, as a registry's referrers API
  // would list both.
  const listed = (JSON.parse(indexBytes.toString()) as { manifests: { digest: string }[] }).manifests;
  const missing = manifests
    .filter((m) => m.mediaType === OCI_MANIFEST && !tagOf(m) && !listed.some((l) => l.digest === m.digest))
    .map((m) => ({ m, json: JSON.parse(readBlob(dir, m.digest).toString()) }))
    .filter(({ json }) => json.subject?.digest === image.digest)
    .map(({ m, json }) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, artifactType: json.artifactType ?? json.config.mediaType, annotations: json.annotations }));
  if (missing.length) {
    const merged = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...listed, ...missing] };
    await putBytes(repo, tagOf(index)!, OCI_INDEX, Buffer.from(JSON.stringify(merged)));
  }
  return `${registry.host}/${repo}:v1`;
}

/** A Notation signature pushed as a sign job does (blobs, manifest by digest, tag-schema index), without a job: what a run that died after its push leaves. */
async function pushSignature(repo: string, subject: { digest: string; size: number; mediaType?: string }, signer: { privateKey: KeyObject; chain: Buffer[]; signingTime: Date; expiry?: Date }): Promise<string> {
  const descriptor = { mediaType: subject.mediaType ?? OCI_MANIFEST, digest: subject.digest, size: subject.size };
  const sig = createNotationSignature({ subject: descriptor, ...signer });
  await pushBlob(registry.url, repo, sig.envelope);
  await pushBlob(registry.url, repo, sig.configBytes);
  await putBytes(repo, sig.manifest.digest, OCI_MANIFEST, sig.manifest.bytes);
  const res = await fetch(`${registry.url}/v2/${repo}/manifests/${subject.digest.replace(":", "-")}`, { headers: { accept: OCI_INDEX } });
  const listed = res.status === 200 ? ((await res.json()) as { manifests: unknown[] }).manifests : [];
  const entry = { mediaType: OCI_MANIFEST, digest: sig.manifest.digest, size: sig.manifest.bytes.length, artifactType: NOTATION, annotations: JSON.parse(sig.manifest.bytes.toString()).annotations };
  await putBytes(repo, subject.digest.replace(":", "-"), OCI_INDEX, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...listed, entry] })));
  return sig.manifest.digest;
}

async function tagIndex(repo: string, digest: string): Promise<any> {
  const res = await fetch(`${registry.url}/v2/${repo}/manifests/${digest.replace(":", "-")}`, { headers: { accept: OCI_INDEX } });
  return res.json();
}

async function registryJson(repo: string, digest: string): Promise<any> {
  return (await fetch(`${registry.url}/v2/${repo}/manifests/${digest}`, { headers: { accept: OCI_MANIFEST } })).json();
}

let caCertificate = "";

/** The envelope a sign job pushed, checked by openssl: the JWS signing input (ES384) and the chain to the test CA. */
async function opensslChecks(repo: string, subject: string, manifest: any): Promise<void> {
  expect(manifest).toMatchObject({ artifactType: NOTATION, subject: { digest: subject }, layers: [{ mediaType: "application/jose+json" }] });
  const blob = await fetch(`${registry.url}/v2/${repo}/blobs/${manifest.layers[0].digest}`);
  const jws = (await blob.json()) as { protected: string; payload: string; signature: string; header: { x5c: string[] } };
  expect(JSON.parse(Buffer.from(jws.payload, "base64url").toString()).targetArtifact.digest).toBe(subject);
  const dir = mkdtempSync(join(tmpdir(), "regops-openssl-"));
  const file = (name: string, data: string | Buffer) => {
    writeFileSync(join(dir, name), data);
    return join(dir, name);
  };
  const leaf = new X509Certificate(Buffer.from(jws.header.x5c[0]!, "base64"));
  const pub = file("leaf.pub", leaf.publicKey.export({ type: "spki", format: "pem" }));
  const sig = file("sig.der", ecdsaDer(Buffer.from(jws.signature, "base64url")));
  const input = file("input", `${jws.protected}.${jws.payload}`);
  expect(execFileSync("openssl", ["dgst", "-sha384", "-verify", pub, "-signature", sig, input]).toString()).toMatch(/Verified OK/);
  expect(execFileSync("openssl", ["verify", "-x509_strict", "-CAfile", caCertificate, file("leaf.pem", leaf.toString())]).toString()).toMatch(/OK/);
}

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  const dir = mkdtempSync(join(tmpdir(), "regops-signing-"));
  const files = await writeTestCertificateFiles(dir, { name: "regops-e2e", keyType: "ec" });
  caCertificate = files.caCertificate;
  signingFiles = files;
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  cosignPem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  writeFileSync(join(dir, "cosign.pub"), publicKey.export({ type: "spki", format: "pem" }));
  const policy = {
    version: "1.0",
    trustPolicies: [
      { name: "everything", registryScopes: ["*"], signatureVerification: { level: "strict" }, trustStores: ["ca:e2e", "ca:regops"], trustedIdentities: ["*"] },
      {
        name: "own-expired-cert",
        registryScopes: [`${registry.host}/corpus-${run}/expired-cert-own`],
        signatureVerification: { level: "strict" },
        trustStores: ["ca:expired"],
        trustedIdentities: ["*"],
      },
    ],
  };
  writeFileSync(join(dir, "trustpolicy.json"), JSON.stringify(policy));
  svc = await startTestService({
    prefix: PREFIX,
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution" }],
    extra: {
      signing: {
        default: "notation",
        notation: {
          key: files.key,
          certificateChain: files.certificateChain,
          trustPolicy: join(dir, "trustpolicy.json"),
          trustStores: { "ca:e2e": [localkeys("e2e.crt")], "ca:regops": [files.caCertificate], "ca:expired": [localkeys("expired_e2e.crt")] },
        },
        cosign: { key: "env:TEST_COSIGN_KEY", publicKeys: { "*": [join(dir, "cosign.pub")] } },
      },
    },
    env: { TEST_COSIGN_KEY: cosignPem },
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe.skipIf(!corpus)("the Notation tools' signatures, replayed into a registry, through the verify job", () => {
  it("when e2e-valid-signature is verified with e2e.crt as CA trust store under a strict policy, then the job completes listing it", async () => {
    const image = await replay("e2e-valid-signature", `corpus-${run}/valid`);
    const job = await submit({ type: "verify", image });
    expect(job.state, JSON.stringify(job)).toBe("completed");
    expect(job.result).toMatchObject({ verified: true, checked: ["notation", "cosign"], notation: { statement: "everything", level: "strict" } });
    expect(job.result.signatures).toEqual([expect.objectContaining({ format: "notation", verified: true, signer: expect.stringMatching(/CN=e2e/), signedAt: expect.any(String) })]);
  });

  it("when e2e-valid-multiple-signatures is verified, then the good one suffices and the other is listed as untrusted", async () => {
    const job = await submit({ type: "verify", image: await replay("e2e-valid-multiple-signatures", `corpus-${run}/multiple`) });
    expect(job.state, JSON.stringify(job)).toBe("completed");
    expect(job.result.signatures.map((s: any) => [s.format, s.verified, s.reason]).sort()).toEqual([
      ["notation", false, "untrusted-chain"],
      ["notation", true, undefined],
    ]);
  });

  it.each([
    ["e2e-expired-signature", "expired-signature", "expired"],
    ["e2e-with-expired-cert", "expired-cert", "untrusted-chain"],
    ["e2e-with-expired-cert", "expired-cert-own", "certificate-expired"],
    ["e2e-invalid-signature", "invalid-signature", "invalid-envelope"],
  ])("when %s is verified (repository %s), then the job fails SIGNATURE_INVALID saying %s", async (layout, repo, reason) => {
    const job = await submit({ type: "verify", image: await replay(layout, `corpus-${run}/${repo}`) });
    expect([job.state, job.error?.code, job.attempts]).toEqual(["failed", "SIGNATURE_INVALID", 1]);
    expect(job.error.message).toContain(`notation sha256:`);
    expect(job.error.message).toContain(`: ${reason} (`);
  });
});

describe("regops' own signatures through the sign and verify jobs", () => {
  it("when an image is signed with notation and with cosign, then each lands in the tag-schema index and verify accepts both", async () => {
    const repo = `own-${run}/app`;
    const img = await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const image = `${registry.host}/${repo}:v1`;
    const notation = await submit({ type: "sign", image });
    expect(notation.state, JSON.stringify(notation.error)).toBe("completed");
    expect(notation.result).toMatchObject({ format: "notation", digest: img.digest, signer: expect.stringMatching(/CN=regops-e2e/), signature: { via: "tag-schema" } });
    const cosign = await submit({ type: "sign", image: `${registry.host}/${repo}@${img.digest}`, format: "cosign" });
    expect(cosign.state, JSON.stringify(cosign.error)).toBe("completed");
    expect(cosign.result).toMatchObject({ format: "cosign", digest: img.digest, signature: { via: "tag-schema" } });
    const index = await tagIndex(repo, img.digest);
    expect(index.manifests.map((m: any) => m.digest).sort()).toEqual([notation.result.signature.digest, cosign.result.signature.digest].sort());
    await opensslChecks(repo, img.digest, await registryJson(repo, notation.result.signature.digest));

    const verify = await submit({ type: "verify", image });
    expect(verify.state, JSON.stringify(verify.error)).toBe("completed");
    expect(verify.result.signatures.map((s: any) => [s.format, s.digest, s.verified]).sort()).toEqual(
      [
        ["cosign", cosign.result.signature.digest, true],
        ["notation", notation.result.signature.digest, true],
      ].sort(),
    );
    // Nothing secret in the records or the log.
    const everything = JSON.stringify([notation, cosign, verify]) + svc.logs();
    expect(everything).not.toContain("PRIVATE KEY");
    expect(everything).not.toContain(cosignPem.split("\n")[1]);
  });

  it("when an image has no signature, then verify fails SIGNATURE_MISSING", async () => {
    const repo = `own-${run}/unsigned`;
    await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const job = await submit({ type: "verify", image: `${registry.host}/${repo}:v1` });
    expect([job.state, job.error?.code]).toEqual(["failed", "SIGNATURE_MISSING"]);
  });

  it("when 10 notation and 10 cosign sign jobs of one digest run at once, then the index lists one signature of each that every job names, and both verify", async () => {
    const repo = `own-${run}/many`;
    const img = await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const image = `${registry.host}/${repo}:v1`;
    const formats = Array.from({ length: 20 }, (_, i) => (i % 2 ? "cosign" : "notation"));
    const jobs = await Promise.all(formats.map((format) => submit({ type: "sign", image, format }, 120_000)));
    expect(jobs.map((j) => [j.state, j.error?.code])).toEqual(jobs.map(() => ["completed", undefined]));
    const index = await tagIndex(repo, img.digest);
    expect(index.manifests).toHaveLength(2);
    for (const format of ["notation", "cosign"]) {
      const ofFormat = jobs.filter((j) => j.result.format === format);
      // one pushed it, the nine others found it under the per-digest lock
      expect(new Set(ofFormat.map((j) => j.result.signature.digest)).size).toBe(1);
      expect(ofFormat.filter((j) => !j.result.existing)).toHaveLength(1);
      expect(index.manifests.map((m: any) => m.digest)).toContain(ofFormat[0].result.signature.digest);
    }
    const verify = await submit({ type: "verify", image });
    expect(verify.state, JSON.stringify(verify.error)).toBe("completed");
    expect(verify.result.signatures.map((s: any) => [s.format, s.verified]).sort()).toEqual([["cosign", true], ["notation", true]]);
  });

  it("when a first run pushed its signature and died, then the retry returns that signature and pushes none; another certificate's or an expired own one is not reused", async () => {
    const own = { privateKey: createPrivateKey(readFileSync(signingFiles.key)), chain: certificatesFromFile(readFileSync(signingFiles.certificateChain), 10) };
    const other = generateTestCertificates({ name: "someone-else", keyType: "ec" });

    const died = `own-${run}/died`;
    const diedImg = await pushPlatformImage(registry.url, died, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const left = await pushSignature(died, diedImg, { ...own, signingTime: new Date(Date.now() - 60_000) });
    const retry = await submit({ type: "sign", image: `${registry.host}/${died}:v1`, format: "notation" });
    expect(retry.state, JSON.stringify(retry.error)).toBe("completed");
    expect(retry.result).toMatchObject({ existing: true, signature: { digest: left, via: "tag-schema" }, signer: expect.stringMatching(/CN=regops-e2e/) });
    expect((await tagIndex(died, diedImg.digest)).manifests.map((m: any) => m.digest)).toEqual([left]);

    const others = `own-${run}/others`;
    const img = await pushPlatformImage(registry.url, others, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const foreign = await pushSignature(others, img, { privateKey: other.leaf.privateKey, chain: [other.leaf.certificate, other.ca.certificate], signingTime: new Date() });
    // Signed just after the certificate's notBefore (back-dated a minute when beforeAll made it), expired a second later.
    const notBefore = new Date(new X509Certificate(own.chain[0]!).validFrom).getTime();
    const expired = await pushSignature(others, img, { ...own, signingTime: new Date(notBefore + 1000), expiry: new Date(notBefore + 2000) });
    const job = await submit({ type: "sign", image: `${registry.host}/${others}:v1`, format: "notation" });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result.existing).toBeUndefined();
    expect([foreign, expired]).not.toContain(job.result.signature.digest);
    expect((await tagIndex(others, img.digest)).manifests.map((m: any) => m.digest).sort()).toEqual([foreign, expired, job.result.signature.digest].sort());
  });

  it("when an attempt pushed its signature but lost the registry before the index listed it, then the next sign pushes those same bytes and lists them", async () => {
    const own = { privateKey: createPrivateKey(readFileSync(signingFiles.key)), chain: certificatesFromFile(readFileSync(signingFiles.certificateChain), 10) };
    const repo = `own-${run}/drafted`;
    const img = await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
    const subject = { mediaType: OCI_MANIFEST, digest: img.digest, size: img.size };
    // What the first attempt left: its draft in Redis, its blobs and manifest in the registry, no index entry.
    const prepared = prepareNotationSignature(subject, own);
    for (const blob of prepared.blobs) await pushBlob(registry.url, repo, blob);
    await putBytes(repo, sha256(prepared.manifest), OCI_MANIFEST, prepared.manifest);
    const client = redis.client("sign-formats-test");
    const drafts = new RedisSignatureDrafts(client, storeKeys(PREFIX).signatureDrafts);
    const name = signingName("notation", new X509Certificate(own.chain[0]!).fingerprint256.replaceAll(":", "").toLowerCase(), `${registry.host}/${repo}`, img.digest);
    try {
      await drafts.put(name, prepared);
      const job = await submit({ type: "sign", image: `${registry.host}/${repo}:v1`, format: "notation" });
      expect(job.state, JSON.stringify(job.error)).toBe("completed");
      expect(job.result).toMatchObject({ existing: true, signature: { digest: sha256(prepared.manifest), via: "tag-schema" }, signedAt: prepared.signedAt });
      expect((await tagIndex(repo, img.digest)).manifests.map((m: any) => m.digest)).toEqual([sha256(prepared.manifest)]);
      expect(await drafts.get(name)).toBeUndefined();
    } finally {
      client.disconnect();
    }
  });

  it("when a scan's then step says format notation, then the image is signed with Notation after the gate passed", async () => {
    const repo = `own-${run}/scanned`;
    const img = await pushRandomImage(registry.host, repo, "v1");
    const scan = await submit({ type: "scan", image: img.ref, failOn: "CRITICAL", then: [{ type: "sign", format: "notation" }] });
    expect(scan.state, JSON.stringify(scan.error)).toBe("completed");
    const sign = (await waitForJob(svc.url, scan.result.then[0].jobId, 60_000)) as any;
    expect(sign.state, JSON.stringify(sign.error)).toBe("completed");
    expect(sign.result).toMatchObject({ format: "notation", digest: img.digest });
  });
});

describe("refresh with requireSignature (Notation)", () => {
  const repo = `pull-${run}/app`;
  afterAll(() => removeLocalImages(`${registry.host}/${repo}`));

  it("when the image is Notation-signed, then it is pulled; unsigned or with a signature moved from another image, then refused", async () => {
    const signed = await pushRandomImage(registry.host, repo, "signed");
    const unsigned = await pushRandomImage(registry.host, repo, "unsigned");
    const sign = await submit({ type: "sign", image: signed.ref });
    expect(sign.state, JSON.stringify(sign.error)).toBe("completed");

    const ok = await submit({ type: "refresh", image: signed.ref, requireSignature: true });
    expect(ok.state, JSON.stringify(ok.error)).toBe("completed");
    expect(ok.result.hosts[0]).toMatchObject({ pulled: true, imageId: signed.imageId });

    const missing = await submit({ type: "refresh", image: unsigned.ref, requireSignature: true });
    expect([missing.state, missing.error?.code]).toEqual(["failed", "SIGNATURE_MISSING"]);

    // Tampered: the signed image's signature manifest, re-pointed at the unsigned image.
    const sigManifest = (await (await fetch(`${registry.url}/v2/${repo}/manifests/${sign.result.signature.digest}`, { headers: { accept: OCI_MANIFEST } })).json()) as any;
    const head = await fetch(`${registry.url}/v2/${repo}/manifests/unsigned`, { method: "HEAD", headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" } });
    sigManifest.subject = { mediaType: head.headers.get("content-type"), digest: unsigned.digest, size: Number(head.headers.get("content-length")) };
    const moved = Buffer.from(JSON.stringify(sigManifest));
    const movedDigest = `sha256:${createHash("sha256").update(moved).digest("hex")}`;
    await putBytes(repo, movedDigest, OCI_MANIFEST, moved);
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: movedDigest, size: moved.length, artifactType: NOTATION }] };
    await putBytes(repo, unsigned.digest.replace(":", "-"), OCI_INDEX, Buffer.from(JSON.stringify(index)));
    const tampered = await submit({ type: "refresh", image: unsigned.ref, requireSignature: true });
    expect([tampered.state, tampered.error?.code]).toEqual(["failed", "SIGNATURE_INVALID"]);
    expect(tampered.error.message).toMatch(/wrong-subject/);
  });
});

describe("signing config read at start", () => {
  it("when the trust policy is invalid, then loading fails naming the field inside it", async () => {
    const bad = JSON.stringify({ version: "1.0", trustPolicies: [{ name: "x", registryScopes: ["*"], signatureVerification: { level: "sometimes" }, trustStores: [], trustedIdentities: [] }] });
    await expect(loadSigning({ signing: { notation: { trustPolicy: bad, trustStores: {} } } })).rejects.toThrow(/signing\.notation\.trustPolicy: trustPolicies\[0\]\.signatureVerification\.level/);
    const noStore = JSON.stringify({ version: "1.0", trustPolicies: [{ name: "x", registryScopes: ["*"], signatureVerification: { level: "strict" }, trustStores: ["ca:nope"], trustedIdentities: ["*"] }] });
    await expect(loadSigning({ signing: { notation: { trustPolicy: noStore, trustStores: {} } } })).rejects.toThrow(/trustPolicies\[0\]\.trustStores\[0\]/);
  });

  it("when regops starts with a bad trust policy, then it exits 2 naming the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "regops-badpolicy-"));
    writeFileSync(join(dir, "policy.json"), JSON.stringify({ version: "1.0", trustPolicies: [{ name: "x", registryScopes: ["nope/*"], signatureVerification: { level: "strict" } }] }));
    writeFileSync(join(dir, "regops.yaml"), `signing:\n  notation:\n    trustPolicy: ${join(dir, "policy.json")}\n`);
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, REGOPS_CONFIG: join(dir, "regops.yaml"), REDIS_URL: redis.url },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/signing\.notation\.trustPolicy: trustPolicies\[0\]\.trustStores: at least one trust store/)]);
  });
});
