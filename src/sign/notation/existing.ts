// The Notation signature this signer already left on a manifest, if any: what a retried sign job
// (its worker died after the push) or a second sign of the same digest returns instead of pushing
// another. Only a signature whose envelope verifies, whose leaf certificate is the signer's own,
// whose target is this manifest and which has not expired counts; anything else is someone
// else's business and is left alone.
import { isRegopsError } from "../../errors.js";
import { getSmallBlob } from "../../registry/blob.js";
import { getManifest, type ManifestDescriptor } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import { listReferrers } from "../../registry/referrers/list.js";
import type { Remote } from "../../registry/remote.js";
import { readCertificate, subjectString } from "./certificate.js";
import { verifyEnvelope } from "./envelope-verify.js";
import { NotationVerificationError } from "./failure.js";
import { DEFAULT_NOTATION_LIMITS } from "./limits.js";
import { SIGNATURE_ARTIFACT_TYPE, THUMBPRINT_ANNOTATION } from "./media-types.js";
import type { NotationSigner } from "./push.js";
import { parseSignatureManifest, SignatureManifestError } from "./signature-manifest.js";

export interface ExistingNotationSignature {
  digest: string;
  via: "referrers-api" | "tag-schema";
  signer: string;
  signingTime: string;
}

export async function findOwnNotationSignature(
  remote: Remote,
  image: Reference,
  subject: ManifestDescriptor,
  signer: NotationSigner,
  opts: { signal?: AbortSignal; now?: Date } = {},
): Promise<ExistingNotationSignature | undefined> {
  const limits = DEFAULT_NOTATION_LIMITS;
  const leaf = readCertificate(signer.chain[0]!);
  const { referrers, via } = await listReferrers(remote, image.path, subject.digest, { artifactType: SIGNATURE_ARTIFACT_TYPE, signal: opts.signal });
  // The thumbprint annotation is only a hint to skip other signers' manifests without reading them.
  const candidates = referrers.filter((r) => r.size <= limits.manifestBytes && (r.annotations?.[THUMBPRINT_ANNOTATION]?.toLowerCase().includes(leaf.thumbprint) ?? true));
  for (const r of candidates) {
    try {
      const m = await getManifest(remote, { domain: image.domain, path: image.path, digest: r.digest }, opts.signal);
      const sig = parseSignatureManifest(m.body, limits);
      if (sig.subject.digest !== subject.digest || sig.envelope.size > limits.envelopeBytes) continue;
      const envelope = verifyEnvelope(await getSmallBlob(remote, image.path, sig.envelope.digest, limits.envelopeBytes, opts.signal), limits);
      if (envelope.targetArtifact.digest !== subject.digest || !envelope.chain[0]!.der.equals(leaf.der)) continue;
      if (envelope.expiry && envelope.expiry <= (opts.now ?? new Date())) continue;
      return { digest: r.digest, via, signer: subjectString(leaf), signingTime: (envelope.signingTime ?? new Date(0)).toISOString() };
    } catch (err) {
      // One signature that cannot be read is not ours to reuse; an unreachable registry fails the job.
      if (err instanceof SignatureManifestError || err instanceof NotationVerificationError || (isRegopsError(err) && !err.retryable)) continue;
      throw err;
    }
  }
  return undefined;
}
