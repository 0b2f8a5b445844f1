// Envelopes come from registries: whatever bytes arrive, verification returns a verdict with a
// reason, never throws, and never accepts a changed envelope. Byte flips, truncations and
// replaced JSON members of a real signature, with a fixed seed so a failure replays.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNotationSignature, evaluateArtifact, generateTestCertificates, readTrustPolicy } from "../../src/sign/notation/index.js";
import { readCertificate } from "../../src/sign/notation/certificate.js";

const SUBJECT = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"ab".repeat(32)}`, size: 99 };
const certs = generateTestCertificates({ name: "hostile", keyType: "ec" });
const signed = createNotationSignature({ subject: SUBJECT, privateKey: certs.leaf.privateKey, chain: [certs.leaf.certificate, certs.ca.certificate] });
const options = {
  policy: readTrustPolicy({
    version: "1.0",
    trustPolicies: [{ name: "all", registryScopes: ["*"], signatureVerification: { level: "audit" }, trustStores: ["ca:hostile"], trustedIdentities: ["*"] }],
  }),
  stores: new Map([["ca:hostile", [readCertificate(certs.ca.certificate)]]]),
  repository: "registry.example/team/app",
  subject: SUBJECT,
};

/** The verdict for `envelope`, with a descriptor that matches it (so the envelope itself is judged). */
function verdict(envelope: Buffer) {
  const digest = `sha256:${createHash("sha256").update(envelope).digest("hex")}`;
  return evaluateArtifact([{ envelopeDescriptor: { mediaType: "application/jose+json", digest, size: envelope.length }, envelope }], options).signatures[0]!;
}

const RUNS = { seed: 17, numRuns: 300 };

describe("hostile Notation envelopes", () => {
  it("when the unchanged envelope is verified under audit, then it is accepted", () => {
    expect(verdict(signed.envelope).verified).toBe(true);
  });

  it("when bytes of the envelope are flipped, then it is refused with a reason and nothing throws", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const bytes = Buffer.from(signed.envelope);
        for (const [at, xor] of flips) bytes[at % bytes.length] = bytes[at % bytes.length]! ^ xor;
        const v = verdict(bytes);
        // A flip inside the unprotected header's signing agent changes nothing signed.
        if (v.verified) expect(JSON.parse(bytes.toString()).header.x5c).toEqual(JSON.parse(signed.envelope.toString()).header.x5c);
        else expect(v.reason).toMatch(/^[a-z-]+$/);
      }),
      RUNS,
    );
  });

  it("when the envelope is truncated, then it is refused as invalid", () => {
    fc.assert(
      fc.property(fc.nat({ max: signed.envelope.length - 1 }), (length) => {
        expect(verdict(signed.envelope.subarray(0, length))).toMatchObject({ verified: false, reason: "invalid-envelope" });
      }),
      RUNS,
    );
  });

  it("when a member of the envelope or of its header is replaced by any JSON value, then verification returns a verdict", () => {
    const paths = ["payload", "protected", "signature", "header"] as const;
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (member, value) => {
        const jws = JSON.parse(signed.envelope.toString());
        jws[member] = value;
        const v = verdict(Buffer.from(JSON.stringify(jws)));
        expect(v.verified && member !== "header").toBe(false);
      }),
      RUNS,
    );
  });

  it("when the protected header is replaced by any JSON object, then verification returns a verdict and never accepts it", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 })), (header) => {
        const jws = JSON.parse(signed.envelope.toString());
        jws.protected = Buffer.from(JSON.stringify(header)).toString("base64url");
        expect(verdict(Buffer.from(JSON.stringify(jws))).verified).toBe(false);
      }),
      RUNS,
    );
  });

  it("when x5c holds arbitrary base64 bytes, then it is refused, never thrown", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 3 }), (blobs) => {
        const jws = JSON.parse(signed.envelope.toString());
        jws.header.x5c = blobs.map((b) => Buffer.from(b).toString("base64"));
        expect(verdict(Buffer.from(JSON.stringify(jws))).verified).toBe(false);
      }),
      RUNS,
    );
  });
});
