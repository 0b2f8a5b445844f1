// Named trust stores (`ca:corp`, `signingAuthority:sa`, `tsa:acme`): the certificates a chain must
// lead to. Loaded from the config's map of files, or from Notation's directory layout
// (`x509/<type>/<name>/*.{pem,crt,cer}`, symlinks refused as the specification demands).
import { lstat, readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { certificatesFromFile, readCertificate, type CertificateInfo } from "./certificate.js";
import { TrustPolicyError, type TrustPolicyDocument } from "./trust-policy.js";

/** Keyed by `<type>:<name>`, as trust policies name them. */
export type TrustStores = ReadonlyMap<string, readonly CertificateInfo[]>;

const MAX_FILE_BYTES = 1024 * 1024;
const MAX_CERTIFICATES = 200;
const STORE_REF = /^(ca|signingAuthority|tsa):[a-zA-Z0-9_.-]+$/;
const CERT_EXTENSIONS = new Set([".pem", ".crt", ".cer"]);

async function readCertificateFile(path: string): Promise<CertificateInfo[]> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) throw new Error(`failed to load trust store certificate ${path}: symlinks are not allowed`);
  if (st.size > MAX_FILE_BYTES) throw new Error(`failed to load trust store certificate ${path}: larger than ${MAX_FILE_BYTES} bytes`);
  let certs: CertificateInfo[];
  try {
    certs = certificatesFromFile(await readFile(path), MAX_CERTIFICATES).map(readCertificate);
  } catch (e) {
    throw new Error(`failed to load trust store certificate ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (certs.length === 0) throw new Error(`failed to load trust store certificate ${path}: no certificate in it`);
  for (const cert of certs) {
    // A trust anchor is a CA, or a self-signed signing certificate pinned on purpose.
    const selfSigned = cert.issuerDer.equals(cert.subjectDer) && cert.x509.verify(cert.publicKey);
    if (!cert.basicConstraints?.ca && !selfSigned) throw new Error(`trust store certificate ${path} is neither a CA nor self-signed`);
  }
  return certs;
}

/** From config: `{ "ca:corp": ["/etc/regops/notation/corp-root.crt"] }`. */
export async function loadTrustStores(files: Record<string, readonly string[]>): Promise<TrustStores> {
  const stores = new Map<string, CertificateInfo[]>();
  for (const [ref, paths] of Object.entries(files)) {
    if (!STORE_REF.test(ref)) throw new Error(`trust store "${ref}" is not {ca|signingAuthority|tsa}:{name}`);
    const certs = (await Promise.all(paths.map(readCertificateFile))).flat();
    if (certs.length > MAX_CERTIFICATES) throw new Error(`trust store "${ref}" holds more than ${MAX_CERTIFICATES} certificates`);
    stores.set(ref, certs);
  }
  return stores;
}

/** From Notation's layout: `<root>/x509/{ca,signingAuthority,tsa}/<name>/<file>`; sub-directories are ignored. */
export async function loadTrustStoreDirectory(root: string): Promise<TrustStores> {
  const files: Record<string, string[]> = {};
  for (const type of ["ca", "signingAuthority", "tsa"]) {
    const typeDir = join(root, "x509", type);
    const names = await readdir(typeDir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return []; // a layout may hold only some store types
      throw e;
    });
    for (const named of names) {
      if (named.isSymbolicLink()) throw new Error(`trust store ${join(typeDir, named.name)} is a symlink, which is not allowed`);
      if (!named.isDirectory()) continue;
      const entries = await readdir(join(typeDir, named.name), { withFileTypes: true });
      files[`${type}:${named.name}`] = entries
        .filter((e) => !e.isDirectory() && CERT_EXTENSIONS.has(extname(e.name).toLowerCase()))
        .map((e) => join(typeDir, named.name, e.name));
    }
  }
  return loadTrustStores(files);
}

/** Refuses a policy that names a store which is not loaded (at start, like the policy itself). */
export function checkTrustStoresExist(doc: TrustPolicyDocument, stores: TrustStores): void {
  doc.statements.forEach((s, i) =>
    s.trustStores.forEach((store, j) => {
      if (!stores.get(store.ref)?.length) throw new TrustPolicyError(`trustPolicies[${i}].trustStores[${j}]`, `trust store "${store.ref}" is not configured or empty`);
    }),
  );
}
