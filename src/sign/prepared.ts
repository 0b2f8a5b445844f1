// A Notation or cosign signature made but not yet pushed: its blobs and its manifest (with
// `subject`), as bytes. Made once and pushed as they are, so that pushing them again (a retry
// after the registry went away between the manifest PUT and the index append) gives the same
// manifest digest, and the retry finishes the first push instead of leaving a second signature.
import { MEDIA_TYPES } from "../registry/manifest.js";
import { putBlob } from "../registry/put-blob.js";
import { pushReferrer, type PushedReferrer, type PushReferrerOptions } from "../registry/referrers/push.js";
import type { Remote } from "../registry/remote.js";

export interface PreparedSignature {
  /** Pushed first, in order (config and envelope or bundle). */
  blobs: Buffer[];
  /** The signature manifest (an OCI image manifest with `subject`). */
  manifest: Buffer;
  /** Notation: the leaf certificate's subject; cosign: the key's hint. */
  signer: string;
  signedAt: string;
}

export async function pushPreparedSignature(remote: Remote, repository: string, prepared: PreparedSignature, opts: PushReferrerOptions): Promise<PushedReferrer> {
  for (const blob of prepared.blobs) await putBlob(remote, repository, blob, opts.signal);
  return pushReferrer(remote, repository, prepared.manifest, MEDIA_TYPES.ociManifest, opts);
}
