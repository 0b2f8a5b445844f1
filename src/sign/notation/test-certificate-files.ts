// Writes a generated test CA and signing certificate the way the `signing.notation` config and
// Notation's own trust store layout expect them, plus a strict trust policy that trusts exactly
// the new signing certificate's subject.
import { X509Certificate } from "node:crypto";
import { access, mkdir, writeFile } from "node:fs/promises";
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
  const storeDir = join(root, "trust-store", "x509", "ca", options.name);
  const files: TestCertificateFiles = {
    key: join(root, `${options.name}.key`),
    certificateChain: join(root, `${options.name}.crt`),
    caCertificate: join(root, `${options.name}-ca.crt`),
    trustStoreDir: join(root, "trust-store"),
    trustPolicy: join(root, "trustpolicy.json"),
    trustStore: `ca:${options.name}`,
  };
  const written = [files.key, files.certificateChain, files.caCertificate, join(storeDir, `${options.name}-ca.crt`), files.trustPolicy];
  if (!options.overwrite) {
    // Never clobber a key by accident; checked before the (slow, for RSA) key generation.
    for (const path of written) {
      const exists = await access(path).then(() => true, () => false);
      if (exists) throw Object.assign(new Error(`${path} exists`), { code: "EEXIST", path });
    }
  }
  const certs = generateTestCertificates(options);
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
  const flag = options.overwrite ? "w" : "wx";
  await mkdir(storeDir, { recursive: true });
  await writeFile(files.key, certs.leaf.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag });
  await writeFile(files.certificateChain, pem(certs.leaf.certificate) + pem(certs.ca.certificate), { flag });
  await writeFile(files.caCertificate, pem(certs.ca.certificate), { flag });
  await writeFile(join(storeDir, `${options.name}-ca.crt`), pem(certs.ca.certificate), { flag });
  await writeFile(files.trustPolicy, `${JSON.stringify(policy, null, 2)}\n`, { flag });
  return files;
}
