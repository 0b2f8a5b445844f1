// Finding and verifying the cosign signatures of a manifest. cosign 3's are the referrers whose
// artifactType is the Sigstore bundle type and whose predicate is the cosign sign predicate
// (attestations share the artifact type and are not signatures); older ones are under the
// `.sig` tag (legacy.ts). Every read is bounded.
import { getSmallBlob } from "../../registry/blob.js";
import { getManifest } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import { subjectOf } from "../../registry/referrers/descriptor.js";
import { listReferrers } from "../../registry/referrers/list.js";
import type { Remote } from "../../registry/remote.js";
import { ANNOTATIONS, BUNDLE_MEDIA_TYPE, SIGN_PREDICATE_TYPE } from "./media-types.js";
import { verifyLegacySignatures } from "./legacy.js";
import { SIGNATURE_BLOB_MAX_BYTES, type CosignSignatureResult, type VerifyImageOptions } from "./result.js";
import { verifyBundle } from "./verify.js";

/** Every cosign signature of `image` (which must carry its digest): cosign 3 bundles, then legacy `.sig` ones. */
export async function verifyCosignSignatures(remote: Remote, image: Reference & { digest: string }, opts: VerifyImageOptions): Promise<CosignSignatureResult[]> {
  return [...(await verifyBundleSignatures(remote, image, opts)), ...(await verifyLegacySignatures(remote, image, opts))];
}

/** Every cosign bundle signature of `image` (which must carry its digest), each verified. */
export async function verifyBundleSignatures(remote: Remote, image: Reference & { digest: string }, opts: VerifyImageOptions): Promise<CosignSignatureResult[]> {
  const { referrers } = await listReferrers(remote, image.path, image.digest, { artifactType: BUNDLE_MEDIA_TYPE, limits: opts.limits, signal: opts.signal });
  const out: CosignSignatureResult[] = [];
  for (const d of referrers) {
    const predicate = d.annotations?.[ANNOTATIONS.predicateType];
    if (predicate !== undefined && predicate !== SIGN_PREDICATE_TYPE) continue;
    out.push(await verifyBundleSignature(remote, image, d.digest, opts));
  }
  return out;
}

/** One bundle signature manifest (`digest`) of `image`, read and verified. */
export async function verifyBundleSignature(remote: Remote, image: Reference & { digest: string }, digest: string, opts: VerifyImageOptions): Promise<CosignSignatureResult> {
  const m = await getManifest(remote, { domain: image.domain, path: image.path, digest }, opts.signal);
  const json = m.json as { layers?: { mediaType?: unknown; digest?: unknown; size?: unknown }[]; annotations?: Record<string, unknown> };
  const signedAt = typeof json.annotations?.[ANNOTATIONS.created] === "string" ? (json.annotations[ANNOTATIONS.created] as string) : undefined;
  const base = { digest, format: "bundle" as const, ...(signedAt ? { signedAt } : {}) };
  if (subjectOf(m.json) !== image.digest) return { ...base, verified: false, reason: "wrong-subject", message: "the signature manifest's subject is another manifest" };
  const layer = json.layers?.find((l) => l.mediaType === BUNDLE_MEDIA_TYPE);
  if (!layer || typeof layer.digest !== "string" || typeof layer.size !== "number" || layer.size > SIGNATURE_BLOB_MAX_BYTES) {
    return { ...base, verified: false, reason: "malformed", message: "the signature manifest has no bundle layer of a plausible size" };
  }
  const bytes = await getSmallBlob(remote, image.path, layer.digest, SIGNATURE_BLOB_MAX_BYTES, opts.signal);
  let bundle: unknown;
  try {
    bundle = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ...base, verified: false, reason: "malformed", message: "the bundle is not JSON" };
  }
  const v = verifyBundle(bundle, { publicKeys: opts.publicKeys, digest: image.digest, trustedRoot: opts.trustedRoot });
  return v.verified ? { ...base, verified: true, keyHint: v.keyHint } : { ...base, verified: false, reason: v.reason, message: v.message };
}
