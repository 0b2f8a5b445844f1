// regops' own Notation signatures: made with freshly generated test certificates (RSA 3072 and EC
// P-384), verified by the library and by openssl (the JWS signing input with `openssl dgst`, the
// chain with `openssl verify`), and refused once anything signed is changed.
import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkTrustStoresExist,
  createNotationSignature,
  evaluateArtifact,
  generateTestCertificates,
  loadTrustStoreDirectory,
  parseSignatureManifest,
  parseTrustPolicy,
  readTrustPolicy,
  writeTestCertificateFiles,
  type NotationSignatureInput,
  type TestCertificates,
} from "../../src/sign/notation/index.js";
import { signWith } from "../../src/sign/notation/algorithm.js";
import { readCertificate } from "../../src/sign/notation/certificate.js";

const SUBJECT = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"ab".repeat(32)}`, size: 1234 };
const REPOSITORY = "registry.example/team/app";
const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const b64url = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

const certs: Record<"rsa" | "ec", TestCertificates> = {
  rsa: generateTestCertificates({ name: "round-trip", keyType: "rsa" }),
  ec: generateTestCertificates({ name: "round-trip", keyType: "ec" }),
};
const chainOf = (c: TestCertificates) => [c.leaf.certificate, c.ca.certificate];

function options(c: TestCertificates, level = "strict", identity?: string) {
  const policy = readTrustPolicy({
    version: "1.0",
    trustPolicies: [
      {
        name: "team",
        registryScopes: [REPOSITORY],
        signatureVerification: { level },
        trustStores: ["ca:team"],
        trustedIdentities: [identity ?? `x509.subject: ${c.leafSubject}`],
      },
    ],
  });
  return { policy, stores: new Map([["ca:team", [readCertificate(c.ca.certificate)]]]), repository: REPOSITORY, subject: SUBJECT };
}

function input(envelope: Buffer): NotationSignatureInput {
  return { envelopeDescriptor: { mediaType: "application/jose+json", digest: sha256(envelope), size: envelope.length }, envelope };
}

function verdictOf(envelope: Buffer, c: TestCertificates, subject = SUBJECT) {
  return evaluateArtifact([input(envelope)], { ...options(c), subject }).signatures[0]!;
}

/** Re-signs an edited envelope with the right key, so only the edit decides the outcome. */
function resign(envelope: Buffer, c: TestCertificates, edit: (header: Record<string, unknown>) => void, alg?: "PS256"): Buffer {
  const jws = JSON.parse(envelope.toString()) as Record<string, string>;
  const header = JSON.parse(Buffer.from(jws.protected!, "base64url").toString()) as Record<string, unknown>;
  edit(header);
  const protectedB64 = b64url(header);
  const signature = signWith(alg ?? (header.alg as "PS384"), c.leaf.privateKey, Buffer.from(`${protectedB64}.${jws.payload}`));
  return Buffer.from(JSON.stringify({ ...jws, protected: protectedB64, signature: signature.toString("base64url") }));
}

/** JWS ECDSA signatures are r||s; openssl wants DER. */
function ecdsaDer(raw: Buffer): Buffer {
  const int = (b: Buffer) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) v = v.subarray(1);
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(raw.subarray(0, raw.length / 2)), int(raw.subarray(raw.length / 2))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe.each(["rsa", "ec"] as const)("Notation sign and verify round trip (%s)", (keyType) => {
  const c = certs[keyType];
  const signed = createNotationSignature({ subject: SUBJECT, privateKey: c.leaf.privateKey, chain: chainOf(c) });

  it("when a manifest is signed, then the signature manifest is the OCI 1.1 form with subject, empty config and chain thumbprints", () => {
    const manifest = JSON.parse(signed.manifest.bytes.toString());
    expect(manifest).toMatchObject({
      artifactType: "application/vnd.cncf.notary.signature",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256(Buffer.from("{}")), size: 2 },
      layers: [{ mediaType: "application/jose+json", digest: sha256(signed.envelope), size: signed.envelope.length }],
      subject: SUBJECT,
    });
    expect(signed.configBytes.toString()).toBe("{}");
    expect(signed.manifest.digest).toBe(sha256(signed.manifest.bytes));
    const read = parseSignatureManifest(signed.manifest.bytes);
    expect(read).toMatchObject({ form: "oci-1.1", subject: SUBJECT, thumbprints: chainOf(c).map((d) => sha256(d).slice(7)) });
  });

  it("when the signature is verified under a strict policy, then it is accepted with the signer and the key's algorithm", () => {
    const verdict = verdictOf(signed.envelope, c);
    expect(verdict).toMatchObject({ verified: true, signer: c.leafSubject, signingScheme: "notary.x509", logged: [] });
    const header = JSON.parse(Buffer.from(JSON.parse(signed.envelope.toString()).protected, "base64url").toString());
    expect(header).toMatchObject({ alg: keyType === "rsa" ? "PS384" : "ES384", cty: "application/vnd.cncf.notary.payload.v1+json", crit: ["io.cncf.notary.signingScheme"] });
  });

  it("when openssl checks the JWS signing input and the chain, then both verify", () => {
    const dir = mkdtempSync(join(tmpdir(), "notation-openssl-"));
    const jws = JSON.parse(signed.envelope.toString()) as { protected: string; payload: string; signature: string; header: { x5c: string[] } };
    const file = (name: string, data: string | Buffer) => {
      writeFileSync(join(dir, name), data);
      return join(dir, name);
    };
    const leaf = new X509Certificate(Buffer.from(jws.header.x5c[0]!, "base64"));
    const pub = file("leaf.pub", leaf.publicKey.export({ type: "spki", format: "pem" }));
    const raw = Buffer.from(jws.signature, "base64url");
    const sig = file("sig.bin", keyType === "rsa" ? raw : ecdsaDer(raw));
    const data = file("input", `${jws.protected}.${jws.payload}`);
    const pss = keyType === "rsa" ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"] : [];
    expect(execFileSync("openssl", ["dgst", "-sha384", "-verify", pub, ...pss, "-signature", sig, data]).toString()).toMatch(/Verified OK/);
    const ca = file("ca.pem", new X509Certificate(c.ca.certificate).toString());
    const leafPem = file("leaf.pem", leaf.toString());
    expect(execFileSync("openssl", ["verify", "-x509_strict", "-CAfile", ca, leafPem]).toString()).toMatch(/OK/);
  });

  it("when the payload is changed after signing, then the signature is refused as tampered", () => {
    const jws = JSON.parse(signed.envelope.toString());
    jws.payload = b64url({ targetArtifact: { ...SUBJECT, digest: `sha256:${"cd".repeat(32)}` } });
    const verdict = verdictOf(Buffer.from(JSON.stringify(jws)), c, { ...SUBJECT, digest: `sha256:${"cd".repeat(32)}` });
    expect(verdict).toMatchObject({ verified: false, reason: "tampered" });
  });

  it("when the protected header is changed after signing, then the signature is refused as tampered", () => {
    const jws = JSON.parse(signed.envelope.toString());
    const header = JSON.parse(Buffer.from(jws.protected, "base64url").toString());
    jws.protected = b64url({ ...header, "io.cncf.notary.signingTime": "2030-01-01T00:00:00Z" });
    expect(verdictOf(Buffer.from(JSON.stringify(jws)), c)).toMatchObject({ verified: false, reason: "tampered" });
  });

  it("when the signature is checked for another manifest, then it is refused as wrong-subject", () => {
    expect(verdictOf(signed.envelope, c, { ...SUBJECT, digest: `sha256:${"ef".repeat(32)}` })).toMatchObject({ verified: false, reason: "wrong-subject" });
    expect(verdictOf(signed.envelope, c, { ...SUBJECT, size: 1235 })).toMatchObject({ verified: false, reason: "wrong-subject" });
  });

  it("when a signed header carries an unknown critical header, then it is refused", () => {
    const envelope = resign(signed.envelope, c, (h) => {
      h["io.cncf.notary.verificationPlugin"] = "com.example.plugin";
      h.crit = [...(h.crit as string[]), "io.cncf.notary.verificationPlugin"];
    });
    expect(verdictOf(envelope, c)).toMatchObject({ verified: false, reason: "unknown-critical-header" });
  });

  it("when the expiry has passed, then strict refuses it as expired and permissive accepts it with the expiry logged", () => {
    const past = createNotationSignature({
      subject: SUBJECT,
      privateKey: c.leaf.privateKey,
      chain: chainOf(c),
      signingTime: new Date(Date.now() - 30_000),
      expiry: new Date(Date.now() - 10_000),
    });
    expect(verdictOf(past.envelope, c)).toMatchObject({ verified: false, reason: "expired" });
    const permissive = evaluateArtifact([input(past.envelope)], options(c, "permissive")).signatures[0];
    expect(permissive).toMatchObject({ verified: true, logged: [{ validation: "expiry", reason: "expired" }] });
  });

  it("when the signer is not a trusted identity, then strict refuses it and audit accepts it with authenticity logged", () => {
    const other = "x509.subject: C=US, ST=WA, O=someone-else";
    expect(evaluateArtifact([input(signed.envelope)], options(c, "strict", other)).signatures[0]).toMatchObject({ verified: false, reason: "untrusted-identity" });
    expect(evaluateArtifact([input(signed.envelope)], options(c, "audit", other)).signatures[0]).toMatchObject({
      verified: true,
      logged: [{ validation: "authenticity", reason: "untrusted-identity" }],
    });
  });

  it("when the chain leads to another CA, then the chain is untrusted", () => {
    const stranger = certs[keyType === "rsa" ? "ec" : "rsa"];
    const verdict = evaluateArtifact([input(signed.envelope)], { ...options(c), stores: new Map([["ca:team", [readCertificate(stranger.ca.certificate)]]]) });
    expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "untrusted-chain" });
  });
});

describe("Notation envelope strictness", () => {
  const c = certs.rsa;
  const signed = createNotationSignature({ subject: SUBJECT, privateKey: c.leaf.privateKey, chain: chainOf(c) });
  const jws = () => JSON.parse(signed.envelope.toString()) as Record<string, unknown> & { header: { x5c: string[] } };
  const envelope = (value: unknown) => Buffer.from(JSON.stringify(value));

  it.each([
    ["an extra top-level member", () => envelope({ ...jws(), signatures: [] })],
    ["a padded signature", () => envelope({ ...jws(), signature: `${jws().signature as string}=` })],
    ["more than 10 certificates in x5c", () => envelope({ ...jws(), header: { x5c: Array(11).fill(jws().header.x5c[0]) } })],
    ["an x5c entry that is not a certificate", () => envelope({ ...jws(), header: { x5c: [Buffer.from("nope").toString("base64")] } })],
    ["a non-JSON body", () => Buffer.from("invalid signature")],
    ["a body over the size limit", () => Buffer.concat([signed.envelope, Buffer.alloc(1024 * 1024, 32)])],
    ["alg PS256 for an RSA 3072 key", () => resign(signed.envelope, c, (h) => (h.alg = "PS256"), "PS256")],
    ["a wrong cty", () => resign(signed.envelope, c, (h) => (h.cty = "application/json"))],
    ["a signing time that is not RFC 3339", () => resign(signed.envelope, c, (h) => (h["io.cncf.notary.signingTime"] = "Tue, 01 Dec 2026 10:00:00 GMT"))],
    ["an expiry not listed in crit", () => resign(signed.envelope, c, (h) => (h["io.cncf.notary.expiry"] = "2999-01-01T00:00:00Z"))],
  ])("when the envelope has %s, then it is refused as an invalid envelope", (_what, make) => {
    expect(verdictOf(make(), c)).toMatchObject({ verified: false, reason: "invalid-envelope" });
  });

  it("when the chain is not leaf first, or lacks its root, then signing refuses it", () => {
    const sign = (chain: Buffer[]) => () => createNotationSignature({ subject: SUBJECT, privateKey: c.leaf.privateKey, chain });
    expect(sign([c.ca.certificate, c.leaf.certificate])).toThrow(/key does not belong to the first certificate/);
    expect(sign([c.leaf.certificate])).toThrow(/not a self-signed root/);
  });

  it("when the CA certificate itself is used as signing certificate, then the leaf rules refuse it", () => {
    expect(() => createNotationSignature({ subject: SUBJECT, privateKey: c.ca.privateKey, chain: [c.ca.certificate] })).toThrow(/CA certificate/);
  });
});

describe("npm run notation:test-cert files", () => {
  it("when the files are written, then the key, chain, trust store layout and policy sign and verify together", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notation-test-cert-"));
    const files = await writeTestCertificateFiles(dir, { name: "dev", keyType: "ec" });
    const policy = parseTrustPolicy(readFileSync(files.trustPolicy, "utf8"));
    const stores = await loadTrustStoreDirectory(files.trustStoreDir);
    checkTrustStoresExist(policy, stores);
    const pems = readFileSync(files.certificateChain, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!;
    const chain = pems.map((p) => new X509Certificate(p).raw);
    const signed = createNotationSignature({ subject: SUBJECT, privateKey: createPrivateKey(readFileSync(files.key)), chain });
    const verdict = evaluateArtifact([input(signed.envelope)], { policy, stores, repository: REPOSITORY, subject: SUBJECT });
    expect(verdict).toMatchObject({ verified: true, level: "strict", signatures: [{ verified: true, signer: "C=US, ST=WA, L=Seattle, O=regops, CN=dev" }] });
    await expect(writeTestCertificateFiles(dir, { name: "dev" })).rejects.toMatchObject({ code: "EEXIST" });
  });
});
