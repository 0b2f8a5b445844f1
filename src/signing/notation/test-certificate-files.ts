// Writes a generated test CA and signing certificate the way the `signing.notation` config and
// Notation's own trust store layout expect them, plus a strict trust policy that trusts exactly
// the new signing certificate's subject.
import { X509Certificate } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { generateTestCertificates, type TestCertificateOptions } from "./test-certificate.js";

export interface TestCertificateFiles {
  key: string;
  certificateChain: string;
  caCertificate: string;
  trustStoreDir: string;
  trustPolicy: string;
  /** `ca:<name>`, the store the policy names. */
  trustStore: string;
}

const pem = (der: Buffer) => new X509Certificate(der).toString();

export async function writeTestCertificateFiles(dir: string, options: TestCertificateOptions & { overwrite?: boolean }): Promise<TestCertificateFiles> {
  if (!/^[a-zA-Z0-9_.-]+$/.test(options.name)) throw new Error(`name "${options.name}" must match [a-zA-Z0-9_.-]+ (it names files and the trust store)`);
  const root = resolve(dir);
  const certs = generateTestCertificates(options);
  const storeDir = join(root, "trust-store", "x509", "ca", options.name);
  const files: TestCertificateFiles = {
    key: join(root, `${options.name}.key`),
    certificateChain: join(root, `${options.name}.crt`),
    caCertificate: join(root, `${options.name}-ca.crt`),
    trustStoreDir: join(root, "trust-store"),
    trustPolicy: join(root, "trustpolicy.json"),
    trustStore: `ca:${options.name}`,
  };
  const policy = {
    version: "1.0",
    trustPolicies: [
      {
        name: `${options.name}-test`,
        registryScopes: ["*"],
        signatureVerification: { level: "strict" },
        trustStores: [files.trustStore],
        trustedIdentities: [`x509.subject: ${certs.leafSubject}`],
      },
    ],
  };
  const flag = options.overwrite ? "w" : "wx"; // never clobber a key by accident
  await mkdir(storeDir, { recursive: true });
  await writeFile(files.key, certs.leaf.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag });
  await writeFile(files.certificateChain, pem(certs.leaf.certificate) + pem(certs.ca.certificate), { flag });
  await writeFile(files.caCertificate, pem(certs.ca.certificate), { flag });
  await writeFile(join(storeDir, `${options.name}-ca.crt`), pem(certs.ca.certificate), { flag });
  await writeFile(files.trustPolicy, `${JSON.stringify(policy, null, 2)}\n`, { flag });
  return files;
}
