// Signing is idempotent per signer: one Notation signature per certificate, one cosign signature
// per key, per manifest, as a user of notation or cosign expects of a job that is retried.
// Under a lock per manifest, format and signer (shared by every worker process):
//   1. a signature of this signer that the referrers already list is returned (`existing`): the
//      first run of a retried job pushed it, or another sign job of the digest did;
//   2. else a draft of an earlier attempt (made, pushed maybe, never listed: it lost the
//      registry, Redis or its process between the manifest PUT and the index append) is pushed
//      again, the same bytes, so it becomes the one signature rather than an orphan;
//   3. else a new signature is made, kept as a draft, pushed, and the draft dropped.
// The lock has another name than the repository's tag-schema lock that the push takes inside it.
import type { ManifestDescriptor } from "../registry/manifest.js";
import type { Reference } from "../registry/reference.js";
import type { ReferrersLock } from "../registry/referrers/push.js";
import type { Remote } from "../registry/remote.js";
import type { SignatureDrafts } from "../store/signature-drafts.js";
import { pushPreparedSignature, type PreparedSignature } from "./prepared.js";

export interface OwnSignature {
  /** The signature manifest's digest, and where its subject's referrers list it. */
  digest: string;
  via: "referrers-api" | "tag-schema";
  signer: string;
  signedAt: string;
  /** It was there (or drafted) before this call: nothing new was signed. */
  existing?: true;
}

export interface SignerWay {
  format: "notation" | "cosign";
  /** The leaf certificate's thumbprint, or the cosign key's hint: a draft is only this signer's. */
  identity: string;
  find(signal: AbortSignal): Promise<Omit<OwnSignature, "existing"> | undefined>;
  prepare(): PreparedSignature;
}

/** The lock's and the draft's name: one signer's signature of one manifest. */
export function signingName(format: SignerWay["format"], identity: string, repository: string, digest: string): string {
  return `sign:${format}:${identity}:${repository}@${digest}`;
}

export async function signOnce(
  remote: Remote,
  image: Reference,
  subject: ManifestDescriptor,
  way: SignerWay,
  deps: { referrersLock: ReferrersLock; signatureDrafts?: SignatureDrafts },
  signal?: AbortSignal,
): Promise<OwnSignature> {
  const name = signingName(way.format, way.identity, `${remote.host}/${image.path}`, subject.digest);
  const drafts = deps.signatureDrafts;
  return deps.referrersLock.withLock(
    name,
    async (held) => {
      const found = await way.find(held);
      if (found) {
        await drafts?.drop(name);
        return { ...found, existing: true };
      }
      const draft = await drafts?.get(name);
      const prepared = draft ?? way.prepare();
      if (!draft) await drafts?.put(name, prepared);
      const pushed = await pushPreparedSignature(remote, image.path, prepared, { lock: deps.referrersLock, signal: held });
      await drafts?.drop(name);
      return { digest: pushed.descriptor.digest, via: pushed.via, signer: prepared.signer, signedAt: prepared.signedAt, ...(draft ? { existing: true as const } : {}) };
    },
    { signal },
  );
}
