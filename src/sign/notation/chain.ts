// The certificate rules of signature-specification.md ("Certificate Requirements"), applied to
// the x5c chain alone, before any trust store is looked at: leaf first, each certificate signed by
// the next, a self-signed root last; CA and leaf key usage; no SHA-1; a key Notation signs with.
import { KeyUsageFlags } from "@peculiar/asn1-x509";
import { requireAlgorithm } from "./algorithm.js";
import type { CertificateInfo } from "./certificate.js";
import { fail } from "./failure.js";

// sha1WithRSAEncryption, ecdsa-with-SHA1, dsa-with-sha1, md5WithRSAEncryption, md2WithRSAEncryption
const WEAK_SIGNATURES = new Set(["1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.10040.4.3", "1.2.840.113549.1.1.4", "1.2.840.113549.1.1.2"]);

const LEAF_FORBIDDEN_USAGES =
  KeyUsageFlags.keyEncipherment |
  KeyUsageFlags.dataEncipherment |
  KeyUsageFlags.keyAgreement |
  KeyUsageFlags.keyCertSign |
  KeyUsageFlags.cRLSign |
  KeyUsageFlags.encipherOnly |
  KeyUsageFlags.decipherOnly;

// anyExtendedKeyUsage, serverAuth, clientAuth, emailProtection, timeStamping
const LEAF_FORBIDDEN_EKU = new Set(["2.5.29.37.0", "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.8"]);

function broken(message: string): never {
  return fail("invalid-certificate-chain", message);
}

// Names and signature only: X509Certificate.checkIssued would also demand keyCertSign of the
// issuer, which a self-signed signing certificate (the usual single-certificate chain) lacks.
function issuedBy(cert: CertificateInfo, issuer: CertificateInfo): boolean {
  if (!cert.issuerDer.equals(issuer.subjectDer)) return false;
  try {
    return cert.x509.verify(issuer.publicKey);
  } catch {
    return false; // a signature algorithm OpenSSL cannot check is no link
  }
}

function checkLeaf(leaf: CertificateInfo): void {
  if (leaf.basicConstraints?.ca) broken("the signing certificate is a CA certificate (basicConstraints cA=true)");
  const ku = leaf.keyUsage;
  if (!ku || !ku.critical) broken("the signing certificate has no critical keyUsage extension");
  if (!(ku!.flags & KeyUsageFlags.digitalSignature)) broken("the signing certificate's keyUsage lacks digitalSignature");
  if (ku!.flags & LEAF_FORBIDDEN_USAGES) broken("the signing certificate's keyUsage allows more than signing");
  const forbidden = leaf.extendedKeyUsage?.find((oid) => LEAF_FORBIDDEN_EKU.has(oid));
  if (forbidden) broken(`the signing certificate's extendedKeyUsage contains ${forbidden}, not for code signing`);
  requireAlgorithm(leaf.publicKey, "the signing certificate's key");
}

function checkCa(ca: CertificateInfo, index: number): void {
  const bc = ca.basicConstraints;
  if (!bc || !bc.critical || !bc.ca) broken(`x5c[${index}] is not a CA certificate (critical basicConstraints cA=true)`);
  // index - 1 intermediates stand between this CA and the leaf.
  if (bc!.pathLength !== undefined && index - 1 > bc!.pathLength) broken(`x5c[${index}] allows ${bc!.pathLength} intermediates below it`);
  const ku = ca.keyUsage;
  if (!ku || !ku.critical || !(ku.flags & KeyUsageFlags.keyCertSign)) broken(`x5c[${index}] has no critical keyUsage with keyCertSign`);
}

/** Throws `invalid-certificate-chain` unless `chain` (leaf first) meets the specification's rules. */
export function checkCodeSigningChain(chain: CertificateInfo[], at?: Date): void {
  if (chain.length === 0) broken("the certificate chain is empty");
  chain.forEach((cert, i) => {
    if (WEAK_SIGNATURES.has(cert.signatureAlgorithm)) broken(`x5c[${i}] is signed with SHA-1 or MD5`);
    if (at && (at < cert.notBefore || at > cert.notAfter)) broken(`x5c[${i}] was not valid at signing time ${at.toISOString()}`);
  });
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!issuedBy(chain[i]!, chain[i + 1]!)) broken(`x5c[${i}] is not issued by x5c[${i + 1}]: the chain must be leaf first, in order`);
  }
  const root = chain[chain.length - 1]!;
  if (!issuedBy(root, root)) broken(`x5c[${chain.length - 1}] is not a self-signed root: the chain must end with its root`);
  checkLeaf(chain[0]!);
  for (let i = 1; i < chain.length; i++) checkCa(chain[i]!, i);
}
