// The one signer the jobs call, whatever the format: signDigest writes a signature of one manifest
// (Notation or cosign next to the image in its registry, Notary v1 in the Notary server), and
// verifyImage finds and checks every signature of one manifest under the configured policy.
import { RegopsError } from "../errors.js";
import type { SignResult } from "../jobs/specs/index.js";
import type { ManifestDescriptor } from "../registry/manifest.js";
import type { Reference } from "../registry/reference.js";
import type { ReferrersLock } from "../registry/referrers/push.js";
import type { Remote } from "../registry/remote.js";
import type { SignatureDrafts } from "../store/signature-drafts.js";
import { prepareCosignSignature } from "./cosign/sign.js";
import { findOwnCosignSignature } from "./cosign/existing.js";
import { verifyCosignSignatures } from "./cosign/find.js";
import type { ImageVerification, SignatureFinding } from "./findings.js";
import type { SigningFormat } from "./formats.js";
import { cosignKeysFor, type Signing } from "./material.js";
import { findOwnNotationSignature } from "./notation/existing.js";
import { checkNotationSignatures } from "./notation/find.js";
import { readCertificate } from "./notation/certificate.js";
import { prepareNotationSignature } from "./notation/push.js";
import { gunOf } from "./notary-v1/gun.js";
import { signOnce, type SignerWay } from "./sign-once.js";
import type { Notary } from "./notary-v1/notary.js";

export interface SignerDeps {
  registries: { forReference(ref: Reference): Remote };
  signing: Signing;
  /** The lock the referrers tag-schema writers share (RedisLock over storeKeys(prefix).referrersLock). */
  referrersLock: ReferrersLock;
  /** Absent when no `notary` is configured. */
  notary?: Notary;
  /** Signatures made and not yet listed (Redis); without it a retry signs anew. */
  signatureDrafts?: SignatureDrafts;
}

/** What signing a digest gives: the sign job's result (the job adds the image) and the manifest's media type. */
export type SignedDigest = Omit<SignResult, "image" | "signer" | "signedAt"> & { mediaType: string; signer: string; signedAt: string };

export interface SignOptions {
  /** Notary v1: the role to sign as (default notary.role). */
  role?: string;
  signal?: AbortSignal;
}

function notConfigured(format: SigningFormat, why: string): RegopsError {
  return new RegopsError(format === "notary-v1" ? "NOTARY_NOT_CONFIGURED" : "SIGNING_NOT_CONFIGURED", why);
}

/** How `format` finds this process's own signature of a manifest and makes a new one (sign-once.ts). */
function signerWay(format: "notation" | "cosign", remote: Remote, image: Reference, subject: ManifestDescriptor, deps: SignerDeps): SignerWay {
  if (format === "notation") {
    const signer = deps.signing.notation?.signer;
    if (!signer) throw notConfigured(format, "notation signing needs signing.notation.key and signing.notation.certificateChain");
    return {
      format,
      identity: readCertificate(signer.chain[0]!).thumbprint,
      find: async (signal) => {
        const found = await findOwnNotationSignature(remote, image, subject, signer, { signal });
        return found && { digest: found.digest, via: found.via, signer: found.signer, signedAt: found.signingTime };
      },
      prepare: () => prepareNotationSignature(subject, signer),
    };
  }
  const key = deps.signing.cosign?.signer;
  if (!key) throw notConfigured(format, "cosign signing needs signing.cosign.key");
  return {
    format,
    identity: key.hint,
    find: async (signal) => {
      const found = await findOwnCosignSignature(remote, image, subject, key, { signal });
      return found && { digest: found.digest, via: found.via, signer: key.hint, signedAt: found.signedAt ?? "" };
    },
    prepare: () => prepareCosignSignature(image, subject, key),
  };
}

/** Signs the manifest `descriptor` of `image` (its repository; Notary v1 also needs its tag) in `format`. */
export async function signDigest(format: SigningFormat, image: Reference, descriptor: ManifestDescriptor, deps: SignerDeps, opts: SignOptions = {}): Promise<SignedDigest> {
  const base = { format, digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType };
  if (format === "notation" || format === "cosign") {
    const remote = deps.registries.forReference(image);
    const signed = await signOnce(remote, image, descriptor, signerWay(format, remote, image, descriptor, deps), deps, opts.signal);
    return { ...base, signer: signed.signer, signedAt: signed.signedAt, signature: { digest: signed.digest, via: signed.via }, ...(signed.existing ? { existing: true } : {}) };
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
