// sign: the image's manifest signed in the job's format (default signing.default). A tag is
// resolved to its digest in the registry first (HEAD with the full Accept list: without it
// registry 2.x converts to schema 1 and the signature would name another digest); an index signs
// the index digest, which is what a pull resolves.
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { SignResult, SignSpec } from "../jobs/specs/index.js";
import { headManifest } from "../registry/manifest.js";
import { formatReference, type Reference } from "../registry/reference.js";
import { signDigest } from "./signer.js";

export async function signJob(
  ref: Reference,
  opts: Pick<SignSpec, "format" | "role">,
  ctx: JobContext,
  deps: Pick<WorkerDeps, "registries" | "images" | "notary" | "signing" | "referrersLock" | "signatureDrafts">,
): Promise<SignResult> {
  const image = formatReference(ref);
  const format = opts.format ?? deps.signing.defaultFormat;
  const manifest = await headManifest(deps.registries.forReference(ref), ref, ctx.signal);
  ctx.progress({ phase: "signing", format, digest: manifest.digest });
  const signed = await signDigest(format, ref, manifest, deps, { role: opts.role, signal: ctx.signal });
  if (ref.tag && !ref.digest) await deps.images.recordDigest(image, manifest.digest, manifest.mediaType, ctx.id);
  if (format === "notary-v1") {
    await deps.images.recordSignature(image, { role: signed.role!, digest: manifest.digest, size: manifest.size, signedAt: signed.signedAt, jobId: ctx.id });
  }
  const { mediaType: _mediaType, ...result } = signed;
  return { image, ...result };
}
