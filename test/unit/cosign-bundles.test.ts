// cosign bundles through @sigstore/verify: the Sigstore conformance managed-key bundles (read in
// place from the corpus) and bundles regops makes, verified with public keys only.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dsseBundle } from "../../src/sign/cosign/bundle.js";
import { publicKeyFromPem, signingKeyFromPem } from "../../src/sign/cosign/keys.js";
import { signStatement } from "../../src/sign/cosign/statement.js";
import { verifyBundle } from "../../src/sign/cosign/verify.js";
import { corpus, corpusPath } from "../helpers/corpus.js";

const conformance = (c: string, file: string) => readFileSync(corpusPath("signatures", "sigstore-conformance", c, file), "utf8");
// The conformance suite's input file the managed-key bundles sign (its SHA-256, a0cfc712…, is the
// bundles' messageDigest): message-signature bundles are checked against the signed bytes.
const SIGNED_INPUT = `DO NOT MODIFY ME!\n\nthis is "a.txt", a sample input for sigstore-conformance's test suite.\n\nDO NOT MODIFY ME!\n`;

function newKey() {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return signingKeyFromPem(privateKey.export({ type: "pkcs8", format: "pem" }) as string);
}

describe.skipIf(!corpus)("the Sigstore conformance managed-key bundles", () => {
  const c = "managed-key-and-trusted-root";

  it("when managed-key-and-trusted-root is verified with its key.pub and trusted root, then it is accepted", () => {
    const key = publicKeyFromPem(conformance(c, "key.pub"))!;
    const v = verifyBundle(JSON.parse(conformance(c, "bundle.sigstore.json")), {
      publicKeys: [key],
      artifact: Buffer.from(SIGNED_INPUT),
      trustedRoot: JSON.parse(conformance(c, "trusted_root.json")),
    });
    expect(v).toEqual({ verified: true, keyHint: "TLMsSDfG3ajPsWge+z/vX5T/zluXnmvbkTkwLIV68Tk=" });
  });

  it("when its signed input is changed, then it is rejected; without the trusted root its log entry cannot be trusted", () => {
    const key = publicKeyFromPem(conformance(c, "key.pub"))!;
    const bundle = JSON.parse(conformance(c, "bundle.sigstore.json"));
    const trustedRoot = JSON.parse(conformance(c, "trusted_root.json"));
    const changed = verifyBundle(bundle, { publicKeys: [key], artifact: Buffer.from(SIGNED_INPUT + " "), trustedRoot });
    expect(changed.verified).toBe(false);
    const noRoot = verifyBundle(bundle, { publicKeys: [key], artifact: Buffer.from(SIGNED_INPUT) });
    expect(noRoot).toMatchObject({ verified: false, reason: "untrusted-log-entry" });
  });

  it("when managed-key-wrong-key_fail is verified with its key.pub, then it is rejected: that key is not a usable public key", () => {
    const wrong = "managed-key-wrong-key_fail";
    const key = publicKeyFromPem(conformance(wrong, "key.pub"));
    expect(key).toBeUndefined();
    const v = verifyBundle(JSON.parse(conformance(wrong, "bundle.sigstore.json")), {
      publicKeys: key ? [key] : [],
      artifact: Buffer.from(SIGNED_INPUT),
      trustedRoot: JSON.parse(conformance(c, "trusted_root.json")),
    });
    expect(v).toMatchObject({ verified: false, reason: "wrong-key" });
  });

  it("when managed-key-and-trusted-root is verified with a key other than the signer's, then it is rejected as a wrong key", () => {
    const v = verifyBundle(JSON.parse(conformance(c, "bundle.sigstore.json")), {
      publicKeys: [newKey().publicKey],
      artifact: Buffer.from(SIGNED_INPUT),
      trustedRoot: JSON.parse(conformance(c, "trusted_root.json")),
    });
    expect(v).toMatchObject({ verified: false, reason: "wrong-key" });
  });
});

describe("bundles regops makes", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  const key = newKey();
  const bundle = () => JSON.parse(dsseBundle(signStatement({ name: "registry.example/team/app", digest }), key).toString("utf8"));

  it("when made with a key pair, then it is a v0.3 DSSE bundle naming the key, and it verifies for its digest", () => {
    const b = bundle();
    expect(b).toMatchObject({
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      verificationMaterial: { publicKey: { hint: key.hint } },
      dsseEnvelope: { payloadType: "application/vnd.in-toto+json" },
    });
    expect(JSON.parse(Buffer.from(b.dsseEnvelope.payload, "base64").toString())).toEqual({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "registry.example/team/app", digest: { sha256: "ab".repeat(32) } }],
      predicateType: "https://sigstore.dev/cosign/sign/v1",
      predicate: {},
    });
    expect(verifyBundle(b, { publicKeys: [key.publicKey], digest })).toEqual({ verified: true, keyHint: key.hint });
  });

  it("when verified with another key, for another digest, or after its payload changed, then each is rejected with its reason", () => {
    const other: KeyObject = newKey().publicKey;
    expect(verifyBundle(bundle(), { publicKeys: [other], digest })).toMatchObject({ verified: false, reason: "wrong-key" });
    expect(verifyBundle(bundle(), { publicKeys: [key.publicKey], digest: `sha256:${"cd".repeat(32)}` })).toMatchObject({ verified: false, reason: "wrong-subject" });
    const tampered = bundle();
    const statement = JSON.parse(Buffer.from(tampered.dsseEnvelope.payload, "base64").toString());
    statement.subject[0].digest.sha256 = "cd".repeat(32);
    tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
    expect(verifyBundle(tampered, { publicKeys: [other, key.publicKey], digest: `sha256:${"cd".repeat(32)}` })).toMatchObject({ verified: false, reason: "tampered" });
  });

  it("when the signing key is not EC P-256, then it is refused naming the field", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(() => signingKeyFromPem(privateKey.export({ type: "pkcs8", format: "pem" }) as string)).toThrow(/signing\.cosign\.key/);
    expect(() => signingKeyFromPem("not a key")).toThrow(/signing\.cosign\.key/);
  });
});
