// The one signer the jobs call, whatever the format: signDigest writes a signature of one manifest
// (Notation or cosign next to the image in its registry, Notary v1 in the Notary server), and
// verifyImage finds and checks every signature of one manifest under the configured policy.
import { RegopsError } from "../errors.js";
import type { ManifestDescriptor } from "../registry/manifest.js";
import type { Reference } from "../registry/reference.js";
import type { ReferrersLock } from "../registry/referrers/push.js";
import type { Remote } from "../registry/remote.js";
import { signImage } from "./cosign/sign.js";
import { findOwnCosignSignature } from "./cosign/existing.js";
import { verifyCosignSignatures } from "./cosign/find.js";
import type { ImageVerification, SignatureFinding } from "./findings.js";
import type { SigningFormat } from "./formats.js";
import { cosignKeysFor, type Signing } from "./material.js";
import { findOwnNotationSignature } from "./notation/existing.js";
import { checkNotationSignatures } from "./notation/find.js";
import { pushNotationSignature } from "./notation/push.js";
import { gunOf } from "./notary-v1/gun.js";
import type { Notary } from "./notary-v1/notary.js";

export interface SignerDeps {
  registries: { forReference(ref: Reference): Remote };
  signing: Signing;
  /** The lock the referrers tag-schema writers share (RedisLock over storeKeys(prefix).referrersLock). */
  referrersLock: ReferrersLock;
  /** Absent when no `notary` is configured. */
  notary?: Notary;
}

export interface SignedDigest {
  format: SigningFormat;
  digest: string;
  size: number;
  mediaType: string;
  /** Notation: the leaf certificate's subject; cosign: the key's hint; Notary v1: the role. */
  signer: string;
  signedAt: string;
  /** Notation, cosign: the signature manifest and how it was made findable. */
  signature?: { digest: string; via: "referrers-api" | "tag-schema" };
  /** Notary v1 only. */
  gun?: string;
  tag?: string;
  role?: string;
  repoCreated?: boolean;
  /** Notation, cosign: this signer's signature of the manifest was already there; nothing was pushed. */
  existing?: boolean;
}

export interface SignOptions {
  /** Notary v1: the role to sign as (default notary.role). */
  role?: string;
  signal?: AbortSignal;
}

function notConfigured(format: SigningFormat, why: string): RegopsError {
  return new RegopsError(format === "notary-v1" ? "NOTARY_NOT_CONFIGURED" : "SIGNING_NOT_CONFIGURED", why);
}

/**
 * Signing is idempotent per signer: one signature by this key (certificate) per manifest. A retry
 * whose first run pushed before its worker died, or a second sign job of the same digest, finds
 * that signature and returns it (`existing`) instead of pushing another, as a user of cosign or
 * notation expects of a job that is retried. The look-and-push runs under a lock per manifest and
 * format (shared by every worker process), so concurrent signers of one digest push once; it is
 * another name than the repository's tag-schema lock that the push takes inside it.
 */
function oncePerSigner(
  remote: Remote,
  image: Reference,
  descriptor: ManifestDescriptor,
  format: SigningFormat,
  deps: SignerDeps,
  opts: SignOptions,
  fn: (signal: AbortSignal) => Promise<SignedDigest>,
): Promise<SignedDigest> {
  return deps.referrersLock.withLock(`sign:${format}:${remote.host}/${image.path}@${descriptor.digest}`, fn, { signal: opts.signal });
}

/** Signs the manifest `descriptor` of `image` (its repository; Notary v1 also needs its tag) in `format`. */
export async function signDigest(format: SigningFormat, image: Reference, descriptor: ManifestDescriptor, deps: SignerDeps, opts: SignOptions = {}): Promise<SignedDigest> {
  const base = { format, digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType };
  if (format === "notation") {
    const signer = deps.signing.notation?.signer;
    if (!signer) throw notConfigured(format, "notation signing needs signing.notation.key and signing.notation.certificateChain");
    const remote = deps.registries.forReference(image);
    return oncePerSigner(remote, image, descriptor, format, deps, opts, async (signal) => {
      const existing = await findOwnNotationSignature(remote, image, descriptor, signer, { signal });
      if (existing) return { ...base, signer: existing.signer, signedAt: existing.signingTime, signature: { digest: existing.digest, via: existing.via }, existing: true };
      const pushed = await pushNotationSignature(remote, image, descriptor, signer, { lock: deps.referrersLock, signal });
      return { ...base, signer: pushed.signer, signedAt: pushed.signingTime, signature: { digest: pushed.descriptor.digest, via: pushed.via } };
    });
  }
  if (format === "cosign") {
    const key = deps.signing.cosign?.signer;
    if (!key) throw notConfigured(format, "cosign signing needs signing.cosign.key");
    const remote = deps.registries.forReference(image);
    return oncePerSigner(remote, image, descriptor, format, deps, opts, async (signal) => {
      const existing = await findOwnCosignSignature(remote, image, descriptor, key, { signal });
      if (existing) return { ...base, signer: key.hint, signedAt: existing.signedAt ?? "", signature: { digest: existing.digest, via: existing.via }, existing: true };
      const now = new Date();
      const pushed = await signImage(remote, image, descriptor, { key, lock: deps.referrersLock, signal, now });
      return { ...base, signer: key.hint, signedAt: now.toISOString(), signature: { digest: pushed.descriptor.digest, via: pushed.via } };
    });
  }
  if (!deps.notary) throw notConfigured(format, "no Notary server is configured");
  if (!image.tag) throw new RegopsError("BAD_REQUEST", "Notary v1 signs a tag: give the image with its tag", { fields: [{ field: "image", message: "needs a tag for notary-v1" }] });
  const gun = gunOf(image);
  const signed = await deps.notary.sign(gun, image.tag, descriptor.digest, descriptor.size, { ...(opts.role ? { role: opts.role } : {}), signal: opts.signal });
  return { ...base, signer: signed.role, signedAt: new Date().toISOString(), gun, tag: image.tag, role: signed.role, repoCreated: signed.repoCreated };
}

async function notationFindings(image: Reference, descriptor: ManifestDescriptor, deps: SignerDeps, signal?: AbortSignal): Promise<{ out?: ImageVerification["notation"]; verified: boolean; found: SignatureFinding[] } | undefined> {
  const trust = deps.signing.notation?.verifier;
  if (!trust) return undefined;
  const check = await checkNotationSignatures(deps.registries.forReference(image), image, descriptor, trust, { signal });
  if (check.noApplicablePolicy) return undefined;
  const found = check.signatures.map(
    (s): SignatureFinding => ({
      format: "notation",
      digest: s.digest,
      ...(s.signer ? { signer: s.signer } : {}),
      ...(s.signingTime ? { signedAt: s.signingTime } : {}),
      verified: s.verified,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
    }),
  );
  return { out: { statement: check.statement, level: check.level, ...(check.skipped ? { skipped: true as const } : {}) }, verified: check.verified, found };
}

async function cosignFindings(image: Reference, descriptor: ManifestDescriptor, deps: SignerDeps, signal?: AbortSignal): Promise<{ verified: boolean; found: SignatureFinding[] } | undefined> {
  const publicKeys = cosignKeysFor(deps.signing.cosign, `${image.domain}/${image.path}`);
  if (!publicKeys.length) return undefined;
  const results = await verifyCosignSignatures(deps.registries.forReference(image), { ...image, digest: descriptor.digest }, { publicKeys, signal });
  const found = results.map(
    (r): SignatureFinding => ({
      format: "cosign",
      digest: r.digest,
      ...(r.keyHint ? { signer: r.keyHint } : {}),
      ...(r.signedAt ? { signedAt: r.signedAt } : {}),
      verified: r.verified,
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.message ? { message: r.message } : {}),
    }),
  );
  return { verified: found.some((f) => f.verified), found };
}

async function notaryFindings(image: Reference, descriptor: ManifestDescriptor, deps: SignerDeps, signal?: AbortSignal): Promise<{ verified: boolean; found: SignatureFinding[] } | undefined> {
  if (!deps.notary || !image.tag) return undefined;
  const signed = await deps.notary.lookup(gunOf(image), image.tag, { signal });
  if (!signed) return { verified: false, found: [] };
  const verified = signed.digest === descriptor.digest;
  const finding: SignatureFinding = { format: "notary-v1", digest: signed.digest, signer: signed.role, verified };
  if (!verified) Object.assign(finding, { reason: "digest-mismatch", message: `the tag is signed for ${signed.digest}: it was overwritten after signing` });
  return { verified, found: [finding] };
}

/**
 * Every signature of the manifest `descriptor` of `image`: Notation under the trust policy, cosign
 * with the keys for the repository, Notary v1 (for a tag) when a server is configured. The policy
 * is met when one check that applies accepts the image, as one verified signature suffices in
 * Notation; a Notation statement of level skip accepts it without looking.
 */
export async function verifyImage(image: Reference, descriptor: ManifestDescriptor, deps: SignerDeps, opts: { signal?: AbortSignal } = {}): Promise<ImageVerification> {
  const [notation, cosign, notary] = await Promise.all([
    notationFindings(image, descriptor, deps, opts.signal),
    cosignFindings(image, descriptor, deps, opts.signal),
    notaryFindings(image, descriptor, deps, opts.signal),
  ]);
  const checks = [
    ["notation", notation],
    ["cosign", cosign],
    ["notary-v1", notary],
  ] as const;
  const applied = checks.filter(([, c]) => c !== undefined);
  return {
    verified: applied.some(([, c]) => c!.verified),
    checked: applied.map(([f]) => f),
    signatures: applied.flatMap(([, c]) => c!.found),
    ...(notation?.out ? { notation: notation.out } : {}),
  };
}
