// Signatures made by the real tools (../shared/corpus/signatures, read in place): Notation's e2e
// OCI layouts and notation-go's envelopes, verified by the library under the policies their
// upstream tests use, each refusal with the reason upstream gives.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  evaluateArtifact,
  loadTrustStores,
  parseTrustPolicy,
  readTrustPolicy,
  type EvaluateOptions,
  type TrustStores,
} from "../../src/sign/notation/index.js";
import { readCertificate } from "../../src/sign/notation/certificate.js";
import { corpus, corpusPath } from "../helpers/corpus.js";
import { layoutSignatures, readBlob, taggedManifest } from "../helpers/oci-layout.js";

const sig = (...p: string[]) => corpusPath("signatures", ...p);
const REPOSITORY = "localhost:5000/e2e";
const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

function strictPolicy(stores: string[], level = "strict") {
  return readTrustPolicy({
    version: "1.0",
    trustPolicies: [{ name: "test", registryScopes: ["*"], signatureVerification: { level }, trustStores: stores, trustedIdentities: ["*"] }],
  });
}

describe.skipIf(!corpus)("Notation e2e OCI layouts (notation/oci_layout)", () => {
  const layout = (name: string) => sig("notation", "oci_layout", name);
  const policy = () => parseTrustPolicy(readFileSync(sig("notation", "trustpolicies", "trustpolicy.json"), "utf8"));
  const e2eStore = () => loadTrustStores({ "ca:e2e": [sig("notation", "localkeys", "e2e.crt")] });

  async function verifyLayout(name: string, stores?: TrustStores) {
    const dir = layout(name);
    const subject = taggedManifest(dir, "v1");
    const signatures = layoutSignatures(dir, subject.digest);
    expect(signatures.length).toBeGreaterThan(0);
    return evaluateArtifact(signatures, { policy: policy(), stores: stores ?? (await e2eStore()), repository: REPOSITORY, subject });
  }

  it("when e2e-valid-signature is verified with e2e.crt as CA trust store under a strict policy, then it is accepted", async () => {
    const verdict = await verifyLayout("e2e-valid-signature");
    expect(verdict).toMatchObject({ verified: true, statement: "e2e", level: "strict" });
    expect(verdict.signatures).toHaveLength(1);
    expect(verdict.signatures[0]).toMatchObject({
      verified: true,
      signer: "C=US, ST=WA, L=Seattle, O=Notary, CN=e2e",
      signingTime: "2023-06-27T05:30:33.000Z",
      signingScheme: "notary.x509",
      thumbprints: ["e38aea13f2b051f7183cca64a51ee676f4d4456f41d9fecf15eb367efc7343b9"],
      logged: [],
    });
  });

  it("when e2e-valid-multiple-signatures is verified, then the good signature suffices and the other is refused as untrusted", async () => {
    const verdict = await verifyLayout("e2e-valid-multiple-signatures");
    expect(verdict.verified).toBe(true);
    const byResult = verdict.signatures.map((s) => [s.verified, s.reason, s.signer?.replace(/.*CN=/, "")]);
    expect(byResult).toEqual(expect.arrayContaining([[true, undefined, "e2e"], [false, "untrusted-chain", "testcert11"]]));
    expect(byResult).toHaveLength(2);
  });

  it("when e2e-expired-signature is verified, then it is refused for expiry", async () => {
    const verdict = await verifyLayout("e2e-expired-signature");
    expect(verdict.verified).toBe(false);
    expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "expired", expiry: "2023-06-27T05:21:21.000Z" });
  });

  it("when e2e-with-expired-cert is verified against e2e.crt, then its chain is untrusted (authenticity)", async () => {
    const verdict = await verifyLayout("e2e-with-expired-cert");
    expect(verdict.verified).toBe(false);
    expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "untrusted-chain" });
  });

  it("when e2e-with-expired-cert is verified with its own expired certificate as trust store, then it fails the authentic timestamp", async () => {
    const stores = await loadTrustStores({ "ca:e2e": [sig("notation", "localkeys", "expired_e2e.crt")] });
    const verdict = await verifyLayout("e2e-with-expired-cert", stores);
    expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "certificate-expired" });
    expect(verdict.signatures[0]!.message).toMatch(/expired 2023-06-27/);
  });

  it("when e2e-invalid-signature (a layer that is no JWS) is verified, then it is refused as an invalid envelope (integrity)", async () => {
    const verdict = await verifyLayout("e2e-invalid-signature");
    expect(verdict.verified).toBe(false);
    expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "invalid-envelope" });
  });

  it("when the signature manifests are read, then the Notation 1.x form (config.mediaType, no artifactType) is recognised", () => {
    const dir = layout("e2e-valid-signature");
    const [only] = layoutSignatures(dir, taggedManifest(dir, "v1").digest);
    expect(only).toMatchObject({ form: "notation-1.x", envelopeDescriptor: { mediaType: "application/jose+json", size: 2070 } });
  });

  it("when the verified image is another manifest than the one signed, then the signature is refused as wrong-subject", async () => {
    const dir = layout("e2e-valid-signature");
    const signed = taggedManifest(dir, "v1");
    const other = { ...signed, digest: `sha256:${"0".repeat(64)}` };
    const verdict = evaluateArtifact(layoutSignatures(dir, signed.digest), { policy: policy(), stores: await e2eStore(), repository: REPOSITORY, subject: other });
    expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "wrong-subject" });
  });

  it("when the envelope blob differs from its descriptor in the signature manifest, then it is refused as tampered", async () => {
    const dir = layout("e2e-valid-signature");
    const subject = taggedManifest(dir, "v1");
    const [good] = layoutSignatures(dir, subject.digest);
    const changed = Buffer.from(good!.envelope);
    changed[changed.length - 2] = changed[changed.length - 2]! ^ 1;
    const verdict = evaluateArtifact([{ ...good!, envelope: changed }], { policy: policy(), stores: await e2eStore(), repository: REPOSITORY, subject });
    expect(verdict.signatures[0]).toMatchObject({ verified: false, reason: "tampered" });
  });
});

describe.skipIf(!corpus)("notation-go envelopes (notation-go/envelopes)", () => {
  const envelope = (name: string) => readFileSync(sig("notation-go", "envelopes", name));
  const stores = () =>
    loadTrustStores({
      "ca:test": [sig("notation-go", "truststore", "NotationTestRoot.pem")],
      "signingAuthority:test": [sig("notation-go", "truststore", "NotationTestRoot.pem")],
      "ca:wabbit": [sig("notation-go", "truststore", "wabbit-networks.io.crt")],
    });

  /** Verifies one envelope as the only signature of the artifact its own payload names. */
  async function verify(name: string, stores_: string[], level = "strict") {
    const bytes = envelope(name);
    // Lenient decoding on purpose: the padded envelopes must reach the verifier to be refused there.
    const payload = JSON.parse(Buffer.from(JSON.parse(bytes.toString()).payload, "base64url").toString()) as { targetArtifact: EvaluateOptions["subject"] };
    const digest = sha256(bytes);
    const verdict = evaluateArtifact([{ envelopeDescriptor: { mediaType: "application/jose+json", digest, size: bytes.length }, envelope: bytes }], {
      policy: strictPolicy(stores_, level),
      stores: await stores(),
      repository: REPOSITORY,
      subject: payload.targetArtifact,
    });
    return verdict.signatures[0]!;
  }

  it("when ca_valid_sig_env is verified against NotationTestRoot as a CA store, then it is accepted", async () => {
    expect(await verify("ca_valid_sig_env.json", ["ca:test"])).toMatchObject({ verified: true, signingTime: "2020-11-09T07:00:00.000Z", logged: [] });
  });

  it("when sa_valid_sig_env is verified against NotationTestRoot as a signing authority store, then it is accepted", async () => {
    expect(await verify("sa_valid_sig_env.json", ["signingAuthority:test"])).toMatchObject({ verified: true, signingScheme: "notary.x509.signingAuthority" });
  });

  it("when a signing-authority envelope is checked against a CA store only, then its chain is untrusted (a CA cannot act as an SA)", async () => {
    expect(await verify("sa_valid_sig_env.json", ["ca:test"])).toMatchObject({ verified: false, reason: "untrusted-chain" });
  });

  it.each(["ca_invalid_sig_env.json", "sa_invalid_sig_env.json"])("when %s (base64url padding) is verified, then it is refused as invalid", async (name) => {
    expect(await verify(name, ["ca:test", "signingAuthority:test"])).toMatchObject({ verified: false, reason: "invalid-envelope" });
  });

  it.each(["ca_expired_sig_env.json", "sa_expired_sig_env.json"])("when %s is verified strictly, then it is refused as expired", async (name) => {
    expect(await verify(name, ["ca:test", "signingAuthority:test"])).toMatchObject({ verified: false, reason: "expired" });
  });

  it("when an expired signature is verified under the permissive level, then it is accepted and the expiry is logged", async () => {
    const verdict = await verify("ca_expired_sig_env.json", ["ca:test"], "permissive");
    expect(verdict).toMatchObject({ verified: true, logged: [{ validation: "expiry", reason: "expired" }] });
  });

  const pluginEnvelopes = corpus ? readdirSync(sig("notation-go", "envelopes")).filter((n) => /_plugin_|_pluginver_/.test(n)) : [];

  it("when the plugin envelopes are counted, then all ten are here (2 plugin, 8 plugin-version)", () => {
    expect(pluginEnvelopes).toHaveLength(10);
  });

  it.each(pluginEnvelopes)("when %s (critical plugin headers) is verified without plugins, then it is refused", async (name) => {
    expect(await verify(name, ["ca:test", "ca:wabbit"], "audit")).toMatchObject({ verified: false, reason: "unknown-critical-header" });
  });

  it("when jws_signature.sig is verified against its own certificate, then it is accepted for the manifest of notation-go/oci-layout", async () => {
    const bytes = readFileSync(sig("notation-go", "jws_signature.sig"));
    const leaf = readCertificate(Buffer.from(JSON.parse(bytes.toString()).header.x5c[0], "base64"));
    const layout = sig("notation-go", "oci-layout");
    const subject = taggedManifest(layout, "v2");
    readBlob(layout, subject.digest);
    const digest = sha256(bytes);
    const verdict = evaluateArtifact([{ envelopeDescriptor: { mediaType: "application/jose+json", digest, size: bytes.length }, envelope: bytes }], {
      policy: strictPolicy(["ca:alpine"]),
      stores: new Map([["ca:alpine", [leaf]]]),
      repository: REPOSITORY,
      subject,
    });
    expect(verdict.signatures[0]).toMatchObject({ verified: true, signer: "C=US, ST=WA, L=Seattle, O=Notary, CN=alpine" });
  });
});
