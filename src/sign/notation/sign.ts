// What the sign job calls: one Notation signature for one manifest, as the blobs and the manifest
// to push (envelope blob, empty config blob, then the signature manifest with `subject`).
import { readCertificate } from "./certificate.js";
import type { ArtifactDescriptor } from "./descriptor.js";
import { signEnvelope, type SignEnvelopeInput } from "./envelope-sign.js";
import { EMPTY_CONFIG_BYTES } from "./media-types.js";
import { buildSignatureManifest, type BuiltSignatureManifest } from "./signature-manifest.js";

export interface NotationSignature {
  /** Push as a blob first (descriptor: manifest.envelope). */
  envelope: Buffer;
  /** The empty config blob `{}` (descriptor: manifest.config). */
  configBytes: Buffer;
  manifest: BuiltSignatureManifest;
}

export function createNotationSignature(input: Omit<SignEnvelopeInput, "descriptor"> & { subject: ArtifactDescriptor }): NotationSignature {
  const signingTime = new Date(Math.floor((input.signingTime ?? new Date()).getTime() / 1000) * 1000);
  const envelope = signEnvelope({ ...input, descriptor: input.subject, signingTime });
  const thumbprints = input.chain.map((der) => readCertificate(der).thumbprint);
  const manifest = buildSignatureManifest({ subject: input.subject, envelope, thumbprints, signingTime });
  return { envelope, configBytes: EMPTY_CONFIG_BYTES, manifest };
}
