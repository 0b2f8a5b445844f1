// A test CA and a code-signing certificate it issued, like `notation cert generate-test`, for
// development and tests. Built with @peculiar/asn1-x509 and signed with node:crypto, so it needs
// neither openssl nor WebCrypto.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  id_kp_codeSigning,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";

export type TestKeyType = "rsa" | "ec";

export interface TestCertificateOptions {
  /** Common name of the signing certificate; the CA is "<name> CA". */
  name: string;
  /** RSA 3072 (PS384) or EC P-384 (ES384). */
  keyType?: TestKeyType;
  /** Validity in days from now (default 365). */
  days?: number;
  now?: Date;
  /** The rest of both subjects (C, ST and O are what trust policies require). */
  subject?: { C: string; ST: string; L?: string; O: string };
}

export interface TestCertificates {
  ca: { privateKey: KeyObject; certificate: Buffer };
  leaf: { privateKey: KeyObject; certificate: Buffer };
  /** The leaf's subject as a trust policy identity value (`C=US, ST=WA, O=regops, CN=...`). */
  leafSubject: string;
}

const OID = { C: "2.5.4.6", ST: "2.5.4.8", L: "2.5.4.7", O: "2.5.4.10", CN: "2.5.4.3" } as const;
const SIGNATURE_OID = { rsa: "1.2.840.113549.1.1.12", ec: "1.2.840.10045.4.3.3" } as const; // sha384WithRSAEncryption, ecdsa-with-SHA384

function name(attrs: Array<[keyof typeof OID, string]>): Name {
  return new Name(
    attrs.map(([type, value]) => {
      const av = type === "C" ? new AttributeValue({ printableString: value }) : new AttributeValue({ utf8String: value });
      return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: OID[type], value: av })]);
    }),
  );
}

function extension(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function generateKey(type: TestKeyType): KeyObject {
  return type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 3072 }).privateKey
    : generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey;
}

function spki(key: KeyObject): { info: SubjectPublicKeyInfo; keyId: ArrayBuffer } {
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  const info = AsnConvert.parse(der, SubjectPublicKeyInfo);
  const keyId = createHash("sha1").update(Buffer.from(info.subjectPublicKey)).digest();
  return { info, keyId: keyId.buffer.slice(keyId.byteOffset, keyId.byteOffset + keyId.byteLength) };
}

interface IssueInput {
  subject: Name;
  issuer: Name;
  subjectKey: KeyObject;
  issuerKey: KeyObject;
  issuerKeyType: TestKeyType;
  ca: boolean;
  notBefore: Date;
  notAfter: Date;
}

function issue(input: IssueInput): Buffer {
  const subject = spki(input.subjectKey);
  const authority = spki(input.issuerKey);
  const algorithm = new AlgorithmIdentifier({
    algorithm: SIGNATURE_OID[input.issuerKeyType],
    ...(input.issuerKeyType === "rsa" ? { parameters: null } : {}),
  });
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER: the top bit clear (else negative) and the first octet not
  // zero (else a non-minimal encoding, which OpenSSL refuses to parse: about 1 certificate in 256).
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const extensions = input.ca
    ? [
        extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
        extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
      ]
    : [
        extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
        extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
        extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_codeSigning])),
      ];
  extensions.push(
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(subject.keyId)),
    extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(authority.keyId) })),
  );
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + 16),
    signature: algorithm,
    issuer: input.issuer,
    validity: new Validity({ notBefore: input.notBefore, notAfter: input.notAfter }),
    subject: input.subject,
    subjectPublicKeyInfo: subject.info,
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign("sha384", tbsDer, input.issuerKey); // PKCS#1 v1.5 for RSA, DER ECDSA for EC
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength) });
  return Buffer.from(AsnConvert.serialize(cert));
}

export function generateTestCertificates(options: TestCertificateOptions): TestCertificates {
  const keyType = options.keyType ?? "rsa";
  const now = options.now ?? new Date();
  // Back-dated a minute so a verifier whose clock lags a little still sees it valid.
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.days ?? 365) * 86_400_000);
  const base = options.subject ?? { C: "US", ST: "WA", L: "Seattle", O: "regops" };
  const attrs = (cn: string): Array<[keyof typeof OID, string]> => [
    ["C", base.C],
    ["ST", base.ST],
    ...(base.L ? [["L", base.L] as [keyof typeof OID, string]] : []),
    ["O", base.O],
    ["CN", cn],
  ];
  const caName = name(attrs(`${options.name} CA`));
  const caKey = generateKey(keyType);
  const leafKey = generateKey(keyType);
  const ca = issue({ subject: caName, issuer: caName, subjectKey: caKey, issuerKey: caKey, issuerKeyType: keyType, ca: true, notBefore, notAfter });
  const leaf = issue({ subject: name(attrs(options.name)), issuer: caName, subjectKey: leafKey, issuerKey: caKey, issuerKeyType: keyType, ca: false, notBefore, notAfter });
  return {
    ca: { privateKey: caKey, certificate: ca },
    leaf: { privateKey: leafKey, certificate: leaf },
    leafSubject: attrs(options.name).map(([k, v]) => `${k}=${v.replace(/([,+;\\])/g, "\\$1")}`).join(", "),
  };
}
