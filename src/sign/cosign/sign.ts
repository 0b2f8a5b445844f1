// Signing an image the way cosign 3 does with a key pair: a bundle (DSSE envelope of the
// cosign sign statement) stored as an OCI artifact whose subject is the signed manifest. The
// artifact is pushed with the referrers module, which keeps the tag-schema index where the
// registry has no referrers API.
import { createHash } from "node:crypto";
import { MEDIA_TYPES, type ManifestDescriptor } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import type { PushedReferrer, PushReferrerOptions } from "../../registry/referrers/push.js";
import type { Remote } from "../../registry/remote.js";
import { pushPreparedSignature, type PreparedSignature } from "../prepared.js";
import { dsseBundle } from "./bundle.js";
import type { SigningKey } from "./keys.js";
import { ANNOTATIONS, BUNDLE_MEDIA_TYPE, EMPTY_CONFIG, SIGN_PREDICATE_TYPE } from "./media-types.js";
import { signStatement } from "./statement.js";

export interface SignImageOptions extends PushReferrerOptions {
  key: SigningKey;
  /** The signing time written into the artifact's annotations. */
  now?: Date;
}

/** The signature of the manifest `subject` of `image` (its repository), made and not pushed. */
export function prepareCosignSignature(image: Reference, subject: ManifestDescriptor, key: SigningKey, now = new Date()): PreparedSignature {
  const bundle = dsseBundle(signStatement({ name: `${image.domain}/${image.path}`, digest: subject.digest }), key);
  const layer = { digest: `sha256:${createHash("sha256").update(bundle).digest("hex")}`, size: bundle.length };
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: BUNDLE_MEDIA_TYPE,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: layer.digest, size: layer.size }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: {
      [ANNOTATIONS.created]: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      [ANNOTATIONS.content]: "dsse-envelope",
      [ANNOTATIONS.predicateType]: SIGN_PREDICATE_TYPE,
    },
  };
  return { blobs: [Buffer.from("{}"), bundle], manifest: Buffer.from(JSON.stringify(manifest)), signer: key.hint, signedAt: now.toISOString() };
}

/** Signs the manifest `subject` of `image` (its repository) and stores the signature next to it. */
export async function signImage(remote: Remote, image: Reference, subject: ManifestDescriptor, opts: SignImageOptions): Promise<PushedReferrer> {
  return pushPreparedSignature(remote, image.path, prepareCosignSignature(image, subject, opts.key, opts.now), opts);
}
