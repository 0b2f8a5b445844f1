// Stores a Notation signature next to the image: the envelope and the empty config blobs, then the
// signature manifest with `subject`, made findable by the referrers module (the registry's
// referrers API, else the `sha256-<hex>` tag-schema index under the per-repository Redis lock).
import type { KeyObject } from "node:crypto";
import type { ManifestDescriptor } from "../../registry/manifest.js";
import type { Reference } from "../../registry/reference.js";
import type { PushedReferrer, PushReferrerOptions } from "../../registry/referrers/push.js";
import type { Remote } from "../../registry/remote.js";
import { readCertificate, subjectString } from "./certificate.js";
import { pushPreparedSignature, type PreparedSignature } from "../prepared.js";
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

/** The signature of `subject`, made and not pushed. */
export function prepareNotationSignature(subject: ManifestDescriptor, signer: NotationSigner, now = new Date()): PreparedSignature {
  const expiry = signer.expiryDays ? new Date(now.getTime() + signer.expiryDays * 86_400_000) : undefined;
  const sig = createNotationSignature({ subject, privateKey: signer.privateKey, chain: signer.chain, signingTime: now, ...(expiry ? { expiry } : {}) });
  return {
    blobs: [sig.envelope, sig.configBytes],
    manifest: sig.manifest.bytes,
    signer: subjectString(readCertificate(signer.chain[0]!)),
    signedAt: new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString(),
  };
}

export async function pushNotationSignature(
  remote: Remote,
  image: Reference,
  subject: ManifestDescriptor,
  signer: NotationSigner,
  opts: PushReferrerOptions & { now?: Date },
): Promise<PushedNotationSignature> {
  const prepared = prepareNotationSignature(subject, signer, opts.now);
  const pushed = await pushPreparedSignature(remote, image.path, prepared, opts);
  return { ...pushed, signer: prepared.signer, signingTime: prepared.signedAt };
}
