// Reading the signatures cosign 1 and 2 stored by naming convention: a manifest tagged
// `sha256-<hex>.sig` whose layers are simple-signing payloads, each with its ECDSA signature
// (base64 DER, over the payload bytes) in the `dev.cosignproject.cosign/signature` annotation.
// Verified with the configured public keys; no transparency log is required.
import { verify, type KeyObject } from "node:crypto";
import { getSmallBlob } from "../../registry/blob.js";
import { getManifest } from "../../registry/manifest.js";
import { isRegistryNotFound } from "../../registry/not-found.js";
import type { Reference } from "../../registry/reference.js";
import { checkCount, REFERRER_LIMIT_DEFAULTS } from "../../registry/referrers/descriptor.js";
import { referrersTag } from "../../registry/referrers/tag-schema.js";
import type { Remote } from "../../registry/remote.js";
import { keyHint } from "./keys.js";
import { SIGNATURE_BLOB_MAX_BYTES, type CosignSignatureResult, type VerifyImageOptions } from "./result.js";

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
const SIMPLE_SIGNING_TYPE = "cosign container image signature";

interface Layer {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  annotations?: Record<string, unknown>;
}

/** The legacy signatures of `image` (which must carry its digest), each verified; none when there is no `.sig` tag. */
export async function verifyLegacySignatures(remote: Remote, image: Reference & { digest: string }, opts: VerifyImageOptions): Promise<CosignSignatureResult[]> {
  let m;
  try {
    m = await getManifest(remote, { domain: image.domain, path: image.path, tag: `${referrersTag(image.digest)}.sig` }, opts.signal);
  } catch (err) {
    if (isRegistryNotFound(err)) return [];
    throw err;
  }
  const layers = ((m.json as { layers?: unknown }).layers ?? []) as Layer[];
  if (!Array.isArray(layers)) return [];
  checkCount(layers.length, { ...REFERRER_LIMIT_DEFAULTS, ...opts.limits }, `${image.path}:${referrersTag(image.digest)}.sig`);
  const out: CosignSignatureResult[] = [];
  for (const layer of layers) {
    if (layer?.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    out.push(await verifyLayer(remote, image, m.digest, layer, opts));
  }
  return out;
}

async function verifyLayer(remote: Remote, image: Reference & { digest: string }, digest: string, layer: Layer, opts: VerifyImageOptions): Promise<CosignSignatureResult> {
  const base = { digest, format: "legacy" as const };
  const sig = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (typeof sig !== "string" || typeof layer.digest !== "string" || typeof layer.size !== "number" || layer.size > SIGNATURE_BLOB_MAX_BYTES) {
    return { ...base, verified: false, reason: "malformed", message: "a signature layer without a signature annotation or of an implausible size" };
  }
  const payload = await getSmallBlob(remote, image.path, layer.digest, SIGNATURE_BLOB_MAX_BYTES, opts.signal);
  const signature = Buffer.from(sig, "base64");
  const key = opts.publicKeys.find((k) => verifies(payload, k, signature));
  if (!key) return { ...base, verified: false, reason: "wrong-key", message: "the signature does not verify with any configured key" };
  let critical: { type?: unknown; image?: { "docker-manifest-digest"?: unknown } } | undefined;
  try {
    critical = (JSON.parse(payload.toString("utf8")) as { critical?: typeof critical }).critical;
  } catch {
    critical = undefined;
  }
  if (critical?.type !== SIMPLE_SIGNING_TYPE) return { ...base, verified: false, reason: "malformed", message: "the payload is not a cosign simple-signing payload" };
  if (critical.image?.["docker-manifest-digest"] !== image.digest) {
    return { ...base, verified: false, reason: "wrong-subject", message: "the payload signs another manifest" };
  }
  return { ...base, verified: true, keyHint: keyHint(key) };
}

function verifies(payload: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify("sha256", payload, key, signature);
  } catch {
    return false;
  }
}
