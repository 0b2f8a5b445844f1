// One certificate, read once: Node's X509Certificate for the key, dates and signature checks, and
// the ASN.1 structure (@peculiar/asn1-x509) for what Node does not expose: key usage bits, basic
// constraints with their criticality, extended key usage, the signature algorithm and the subject
// as attribute/value pairs.
import { createHash, X509Certificate, type KeyObject } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  KeyUsage,
  type Name,
} from "@peculiar/asn1-x509";

export interface CertificateInfo {
  x509: X509Certificate;
  der: Buffer;
  /** Read when the certificate is: an unreadable key makes the certificate unreadable. */
  publicKey: KeyObject;
  /** Lowercase hex SHA-256 of the DER bytes. */
  thumbprint: string;
  /** Key usage bits (KeyUsageFlags), undefined when the extension is absent. */
  keyUsage?: { flags: number; critical: boolean };
  basicConstraints?: { ca: boolean; pathLength?: number; critical: boolean };
  extendedKeyUsage?: string[];
  signatureAlgorithm: string;
  /** Subject RDNs in order, types as short names (C, ST, O, CN...) or dotted OIDs. */
  subject: Array<[string, string]>;
  /** DER of the subject and issuer names, compared byte for byte when linking a chain. */
  subjectDer: Buffer;
  issuerDer: Buffer;
  notBefore: Date;
  notAfter: Date;
}

// The short names Go's pkix.Name.String() prints, which trust policies are written against.
const SHORT_NAMES: Record<string, string> = {
  "2.5.4.6": "C",
  "2.5.4.8": "ST",
  "2.5.4.7": "L",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.3": "CN",
  "2.5.4.5": "SERIALNUMBER",
  "2.5.4.9": "STREET",
  "2.5.4.17": "POSTALCODE",
};

function nameAttributes(name: Name): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const rdn of name) {
    for (const attr of rdn) out.push([SHORT_NAMES[attr.type] ?? attr.type, attr.value.toString()]);
  }
  return out;
}

export function readCertificate(der: Buffer): CertificateInfo {
  const x509 = new X509Certificate(der);
  const cert = AsnConvert.parse(der, Certificate);
  const info: CertificateInfo = {
    x509,
    der,
    publicKey: x509.publicKey,
    thumbprint: createHash("sha256").update(der).digest("hex"),
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    subject: nameAttributes(cert.tbsCertificate.subject),
    subjectDer: Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subject)),
    issuerDer: Buffer.from(AsnConvert.serialize(cert.tbsCertificate.issuer)),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
  for (const ext of cert.tbsCertificate.extensions ?? []) {
    if (ext.extnID === id_ce_keyUsage) {
      info.keyUsage = { flags: AsnConvert.parse(ext.extnValue, KeyUsage).toNumber(), critical: ext.critical };
    } else if (ext.extnID === id_ce_basicConstraints) {
      const bc = AsnConvert.parse(ext.extnValue, BasicConstraints);
      info.basicConstraints = { ca: bc.cA, pathLength: bc.pathLenConstraint, critical: ext.critical };
    } else if (ext.extnID === id_ce_extKeyUsage) {
      info.extendedKeyUsage = [...AsnConvert.parse(ext.extnValue, ExtendedKeyUsage)];
    }
  }
  return info;
}

/** Certificates from PEM text (any number of CERTIFICATE blocks) or one DER certificate. */
export function certificatesFromFile(bytes: Buffer, maxCount: number): Buffer[] {
  const text = bytes.toString("latin1");
  if (!text.includes("-----BEGIN")) return [bytes];
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length > maxCount) throw new Error(`more than ${maxCount} certificates`);
  return blocks.map((pem) => new X509Certificate(pem).raw);
}

/** The subject as Go and OpenSSL print it in one line: `C=US, ST=WA, O=Notary, CN=e2e`. */
export function subjectString(info: CertificateInfo): string {
  return info.subject.map(([k, v]) => `${k}=${v.replace(/([,+;\\])/g, "\\$1")}`).join(", ");
}
