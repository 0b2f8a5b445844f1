// Finds the Notation signatures of a manifest in its repository and evaluates them under the trust
// policy. Signature manifests of both forms are listed (describeReferrer gives the older form's
// config.mediaType as its artifactType); every read is bounded by the Notation limits, and a
// manifest or envelope that cannot be read is a refused signature, never a failed job.
import { isRegopsError } from "../../errors.js";
import { getSmallBlob } from "../../registry/blob.js";
import { getManifest, type ManifestDescriptor } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import { listReferrers } from "../../registry/referrers/list.js";
import type { Remote } from "../../registry/remote.js";
import { evaluateArtifact, type NotationArtifactVerdict, type NotationVerdict } from "./evaluate.js";
import { DEFAULT_NOTATION_LIMITS } from "./limits.js";
import { SIGNATURE_ARTIFACT_TYPE } from "./media-types.js";
import { parseSignatureManifest, SignatureManifestError } from "./signature-manifest.js";
import type { TrustPolicyDocument } from "./trust-policy.js";
import type { TrustStores } from "./trust-store.js";

export interface FoundNotationSignature extends NotationVerdict {
  /** The signature manifest's digest. */
  digest: string;
}

export interface NotationCheck extends Omit<NotationArtifactVerdict, "signatures"> {
  signatures: FoundNotationSignature[];
}

export async function checkNotationSignatures(
  remote: Remote,
  image: Reference,
  subject: ManifestDescriptor,
  trust: { policy: TrustPolicyDocument; stores: TrustStores },
  opts: { signal?: AbortSignal; now?: Date } = {},
): Promise<NotationCheck> {
  const limits = DEFAULT_NOTATION_LIMITS;
  const { referrers } = await listReferrers(remote, image.path, subject.digest, { artifactType: SIGNATURE_ARTIFACT_TYPE, signal: opts.signal });
  const digests: string[] = [];
  const inputs = [];
  const unreadable: FoundNotationSignature[] = [];
  for (const r of referrers) {
    try {
      if (r.size > limits.manifestBytes) throw new SignatureManifestError(`signature manifest larger than ${limits.manifestBytes} bytes`);
      const m = await getManifest(remote, { domain: image.domain, path: image.path, digest: r.digest }, opts.signal);
      const sig = parseSignatureManifest(m.body, limits);
      if (sig.subject.digest !== subject.digest) throw new SignatureManifestError(`the signature manifest's subject is ${sig.subject.digest}`);
      if (sig.envelope.size > limits.envelopeBytes) throw new SignatureManifestError(`the envelope is larger than ${limits.envelopeBytes} bytes`);
      const envelope = await getSmallBlob(remote, image.path, sig.envelope.digest, limits.envelopeBytes, opts.signal);
      inputs.push({ envelopeDescriptor: sig.envelope, envelope });
      digests.push(r.digest);
    } catch (err) {
      // A registry that cannot serve one signature (gone, too large, not matching its digest)
      // refuses that signature; one it cannot be reached on fails the job, to be retried.
      if (!(err instanceof SignatureManifestError) && !(isRegopsError(err) && !err.retryable)) throw err;
      unreadable.push({ digest: r.digest, verified: false, reason: "invalid-envelope", message: (err as Error).message, logged: [], revocationChecked: false });
    }
  }
  const verdict = evaluateArtifact(inputs, {
    policy: trust.policy,
    stores: trust.stores,
    repository: `${image.domain}/${image.path}`,
    subject,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const signatures = [...verdict.signatures.map((v, i) => ({ digest: digests[i]!, ...v })), ...(verdict.skipped ? [] : unreadable)];
  return { ...verdict, signatures };
}
