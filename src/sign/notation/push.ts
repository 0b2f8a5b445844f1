// Stores a Notation signature next to the image: the envelope and the empty config blobs, then the
// signature manifest with `subject`, made findable by the referrers module (the registry's
// referrers API, else the `sha256-<hex>` tag-schema index under the per-repository Redis lock).
import type { KeyObject } from "node:crypto";
import { MEDIA_TYPES, type ManifestDescriptor } from "../../registry/manifest.js";
import { putBlob } from "../../registry/put-blob.js";
import type { Reference } from "../../registry/reference.js";
import { pushReferrer, type PushedReferrer, type PushReferrerOptions } from "../../registry/referrers/push.js";
import type { Remote } from "../../registry/remote.js";
import { readCertificate, subjectString } from "./certificate.js";
import { createNotationSignature } from "./sign.js";

export interface NotationSigner {
  privateKey: KeyObject;
  /** DER certificates, leaf first. */
  chain: Buffer[];
  expiryDays?: number;
}

export interface PushedNotationSignature extends PushedReferrer {
  /** The leaf certificate's subject, `CN=…`. */
  signer: string;
  signingTime: string;
}

export async function pushNotationSignature(
  remote: Remote,
  image: Reference,
  subject: ManifestDescriptor,
  signer: NotationSigner,
  opts: PushReferrerOptions & { now?: Date },
): Promise<PushedNotationSignature> {
  const signingTime = opts.now ?? new Date();
  const expiry = signer.expiryDays ? new Date(signingTime.getTime() + signer.expiryDays * 86_400_000) : undefined;
  const sig = createNotationSignature({ subject, privateKey: signer.privateKey, chain: signer.chain, signingTime, ...(expiry ? { expiry } : {}) });
  await putBlob(remote, image.path, sig.envelope, opts.signal);
  await putBlob(remote, image.path, sig.configBytes, opts.signal);
  const pushed = await pushReferrer(remote, image.path, sig.manifest.bytes, MEDIA_TYPES.ociManifest, opts);
  return { ...pushed, signer: subjectString(readCertificate(signer.chain[0]!)), signingTime: new Date(Math.floor(signingTime.getTime() / 1000) * 1000).toISOString() };
}
