// The `signing` config section read at start: inline PEM (from env:NAME) or files, the default
// format, cosign keys chosen by repository glob, and refusals that name the field.
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cosignKeysFor, defaultFormat, loadSigning } from "../../src/sign/index.js";
import { generateTestCertificates } from "../../src/sign/notation/index.js";

const certs = generateTestCertificates({ name: "unit", keyType: "ec" });
const pem = (der: Buffer) => new X509Certificate(der).toString();
const notationKey = certs.leaf.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const chain = pem(certs.leaf.certificate) + pem(certs.ca.certificate);
const cosignPair = () => generateKeyPairSync("ec", { namedCurve: "P-256" });
const policy = (stores: string[]) =>
  JSON.stringify({ version: "1.0", trustPolicies: [{ name: "all", registryScopes: ["*"], signatureVerification: { level: "strict" }, trustStores: stores, trustedIdentities: ["*"] }] });

describe("signing material", () => {
  it("when keys, chain, trust policy and stores are given inline, then they load and notation is the default", async () => {
    const signing = await loadSigning({
      signing: { notation: { key: notationKey, certificateChain: chain, trustPolicy: policy(["ca:unit"]), trustStores: { "ca:unit": [pem(certs.ca.certificate)] } } },
    });
    expect(signing).toMatchObject({ defaultFormat: "notation", configured: true, notaryV1: false });
    expect(signing.notation?.signer?.chain).toHaveLength(2);
    expect(signing.notation?.verifier?.stores.get("ca:unit")).toHaveLength(1);
  });

  it("when cosign keys are listed by glob, then a repository gets every matching glob's keys", async () => {
    const [a, b] = [cosignPair(), cosignPair()];
    const spki = (k: typeof a) => k.publicKey.export({ type: "spki", format: "pem" }) as string;
    const signing = await loadSigning({ signing: { cosign: { publicKeys: { "*": [spki(a)], "registry.example/team/*": [spki(b)] } } } });
    expect(cosignKeysFor(signing.cosign, "registry.example/team/app")).toHaveLength(2);
    expect(cosignKeysFor(signing.cosign, "registry.example/other/app")).toHaveLength(1);
  });

  it("when notary is configured and signing names no default, then notary-v1 stays the default", () => {
    expect(defaultFormat({ notary: {} as never, signing: { notation: { key: "k", certificateChain: "c", trustStores: {} } } })).toBe("notary-v1");
    expect(defaultFormat({ signing: { cosign: { key: "k", publicKeys: {} } } })).toBe("cosign");
  });

  it("when the material is bad, then loading fails naming the field", async () => {
    await expect(loadSigning({ signing: { notation: { key: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----", certificateChain: chain, trustStores: {} } } })).rejects.toThrow(
      /signing\.notation\.key: not a readable PEM private key/,
    );
    await expect(loadSigning({ signing: { notation: { key: "/nonexistent/key.pem", certificateChain: chain, trustStores: {} } } })).rejects.toThrow(/signing\.notation\.key: cannot read/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    await expect(loadSigning({ signing: { cosign: { key: rsa, publicKeys: {} } } })).rejects.toThrow(/signing\.cosign\.key: must be an EC P-256 private key/);
    await expect(loadSigning({ signing: { cosign: { publicKeys: { "*": ["-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----"] } } } })).rejects.toThrow(/signing\.cosign\.publicKeys\.\*\.0/);
    await expect(loadSigning({ signing: { default: "cosign", notation: { key: notationKey, certificateChain: chain, trustStores: {} } } })).rejects.toThrow(/signing\.default: cosign signing needs/);
  });
});
