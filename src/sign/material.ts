// Reads the signing material the config names, once, at start: keys, certificate chain, trust
// policy and trust stores. Anything unreadable or invalid is a ConfigError naming the config
// field (and, for a trust policy, the field inside the document), so the process exits 2 as for
// any other bad config. The material lives in memory only: never in a job record, log or Redis.
import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigError, type Config } from "../config.js";
import { compileGlob } from "../patterns/glob.js";
import { signingKeyFromPem, publicKeyFromPem, type SigningKey } from "./cosign/keys.js";
import {
  certificatesFromFile,
  checkTrustStoresExist,
  loadTrustStores,
  readTrustPolicy,
  TrustPolicyError,
  type TrustPolicyDocument,
  type TrustStores,
} from "./notation/index.js";
import { readCertificate } from "./notation/certificate.js";
import { defaultFormat, signerMissing } from "./configured.js";
import type { SigningFormat } from "./formats.js";
import type { SigningConfig } from "./schema.js";

export interface NotationMaterial {
  signer?: { privateKey: KeyObject; chain: Buffer[]; expiryDays?: number };
  verifier?: { policy: TrustPolicyDocument; stores: TrustStores };
}

export interface CosignMaterial {
  signer?: SigningKey;
  /** Verification keys per repository glob, in config order. */
  publicKeys: { glob: string; keys: KeyObject[] }[];
}

/** What the sign and verify jobs need; built by loadSigning. */
export interface Signing {
  /** The format of a sign job that names none. */
  defaultFormat: SigningFormat;
  /** `signing` is in the config: verification evaluates policy and keys, not only Notary v1. */
  configured: boolean;
  notation?: NotationMaterial;
  cosign?: CosignMaterial;
  /** A Notary v1 server is configured. */
  notaryV1: boolean;
}

const MAX_PEM_BYTES = 1024 * 1024;
const isPem = (value: string) => value.trimStart().startsWith("-----BEGIN");

/** PEM text given inline (through env:NAME), else the file it names. */
async function pemText(value: string, field: string): Promise<string> {
  if (isPem(value)) return value;
  try {
    const bytes = await readFile(value);
    if (bytes.length > MAX_PEM_BYTES) throw new Error(`larger than ${MAX_PEM_BYTES} bytes`);
    return bytes.toString("utf8");
  } catch (err) {
    throw new ConfigError([`${field}: cannot read ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
}

function privateKeyOf(pem: string, field: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new ConfigError([`${field}: not a readable PEM private key (unencrypted PKCS#8, PKCS#1 or SEC1)`]);
  }
}

function certificatesOf(pem: string, field: string): Buffer[] {
  let chain: Buffer[];
  try {
    chain = certificatesFromFile(Buffer.from(pem), 10);
  } catch (err) {
    throw new ConfigError([`${field}: ${(err as Error).message}`]);
  }
  if (!chain.length) throw new ConfigError([`${field}: no PEM certificate in it`]);
  return chain;
}

async function trustPolicyOf(value: string): Promise<TrustPolicyDocument> {
  const field = "signing.notation.trustPolicy";
  const text = value.trimStart().startsWith("{") ? value : await pemText(value, field);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${field}: not JSON: ${(err as Error).message}`]);
  }
  try {
    return readTrustPolicy(json);
  } catch (err) {
    if (err instanceof TrustPolicyError) throw new ConfigError([`${field}: ${err.field}: ${err.message.slice(err.field.length + 2)}`]);
    throw err;
  }
}

async function notationMaterial(n: NonNullable<SigningConfig["notation"]>): Promise<NotationMaterial> {
  const out: NotationMaterial = {};
  if (n.key && n.certificateChain) {
    const privateKey = privateKeyOf(await pemText(n.key, "signing.notation.key"), "signing.notation.key");
    const chain = certificatesOf(await pemText(n.certificateChain, "signing.notation.certificateChain"), "signing.notation.certificateChain");
    out.signer = { privateKey, chain, ...(n.expiryDays ? { expiryDays: n.expiryDays } : {}) };
  }
  if (n.trustPolicy) {
    const policy = await trustPolicyOf(n.trustPolicy);
    const files: Record<string, string[]> = {};
    const inline = new Map<string, Buffer[]>();
    for (const [ref, sources] of Object.entries(n.trustStores)) {
      files[ref] = sources.filter((s) => !isPem(s));
      inline.set(ref, sources.filter(isPem).flatMap((pem, i) => certificatesOf(pem, `signing.notation.trustStores.${ref}.${i}`)));
    }
    let stores: TrustStores;
    try {
      stores = await loadTrustStores(files);
    } catch (err) {
      throw new ConfigError([`signing.notation.trustStores: ${(err as Error).message}`]);
    }
    stores = withInline(stores, inline);
    try {
      checkTrustStoresExist(policy, stores);
    } catch (err) {
      if (err instanceof TrustPolicyError) throw new ConfigError([`signing.notation.trustPolicy: ${err.message}`]);
      throw err;
    }
    out.verifier = { policy, stores };
  }
  return out;
}

/** Trust store certificates given as PEM text join those read from files. */
function withInline(stores: TrustStores, inline: Map<string, Buffer[]>): TrustStores {
  const merged = new Map(stores);
  for (const [ref, ders] of inline) {
    if (!ders.length) continue;
    merged.set(ref, [...(merged.get(ref) ?? []), ...ders.map(readCertificate)]);
  }
  return merged;
}

async function cosignMaterial(c: NonNullable<SigningConfig["cosign"]>): Promise<CosignMaterial> {
  const signer = c.key ? signingKeyFromPem(await pemText(c.key, "signing.cosign.key")) : undefined;
  const publicKeys: CosignMaterial["publicKeys"] = [];
  for (const [glob, sources] of Object.entries(c.publicKeys)) {
    const keys: KeyObject[] = [];
    for (const [i, source] of sources.entries()) {
      const field = `signing.cosign.publicKeys.${glob}.${i}`;
      const key = publicKeyFromPem(await pemText(source, field));
      if (!key) throw new ConfigError([`${field}: not a PEM public key`]);
      keys.push(key);
    }
    publicKeys.push({ glob, keys });
  }
  return { ...(signer ? { signer } : {}), publicKeys };
}

/** Reads and checks every file the `signing` section names; throws ConfigError. */
export async function loadSigning(config: Pick<Config, "signing" | "notary">): Promise<Signing> {
  const s = config.signing;
  let notation: NotationMaterial | undefined;
  let cosign: CosignMaterial | undefined;
  try {
    notation = s?.notation ? await notationMaterial(s.notation) : undefined;
    cosign = s?.cosign ? await cosignMaterial(s.cosign) : undefined;
  } catch (err) {
    // signingKeyFromPem says what is wrong with a cosign key as a field error.
    if (err instanceof ConfigError) throw err;
    const fields = (err as { fields?: { field: string; message: string }[] }).fields;
    if (fields?.length) throw new ConfigError(fields.map((f) => `${f.field}: ${f.message}`));
    throw err;
  }
  const signing: Signing = { defaultFormat: defaultFormat(config), configured: s !== undefined, notation, cosign, notaryV1: config.notary !== undefined };
  const missing = signerMissing(config, signing.defaultFormat);
  if (s?.default && missing) throw new ConfigError([`signing.default: ${missing}`]);
  return signing;
}

/** The cosign verification keys for a repository (`registry/path`): every matching glob's. */
export function cosignKeysFor(cosign: CosignMaterial | undefined, repository: string): KeyObject[] {
  return (cosign?.publicKeys ?? []).filter((p) => compileGlob(p.glob).test(repository)).flatMap((p) => p.keys);
}
