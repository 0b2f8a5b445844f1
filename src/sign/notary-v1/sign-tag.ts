// sign: what `docker trust sign` does for a tag that lives only in the registry. The tag's
// digest and size come from the registry (HEAD with the full Accept list: without it registry
// 2.x converts to schema1 and the signature would name another digest); an index signs the
// index digest, which is what `docker pull` resolves. Notary serialises signing per GUN.
import type { JobContext, WorkerDeps } from "../../jobs/context.js";
import type { SignResult } from "../../jobs/specs.js";
import { headManifest } from "../../registry/manifest.js";
import { formatReference, type Reference } from "../../registry/reference.js";
import { configuredNotary } from "./configured.js";
import { gunOf } from "./gun.js";

export async function signTag(
  ref: Reference,
  role: string | undefined,
  ctx: JobContext,
  deps: Pick<WorkerDeps, "config" | "notary" | "registries" | "images">,
): Promise<SignResult> {
  const notary = configuredNotary(deps.notary);
  const image = formatReference(ref);
  const manifest = await headManifest(deps.registries.forReference(ref), ref, ctx.signal);
  const gun = gunOf(ref);
  const signAs = role ?? deps.config.notary!.role;
  ctx.progress({ phase: "signing", gun, digest: manifest.digest });
  const signed = await notary.sign(gun, ref.tag!, manifest.digest, manifest.size, { role: signAs, signal: ctx.signal });
  await deps.images.recordDigest(image, manifest.digest, manifest.mediaType, ctx.id);
  await deps.images.recordSignature(image, { role: signed.role, digest: manifest.digest, size: manifest.size, signedAt: new Date().toISOString(), jobId: ctx.id });
  return { image, gun, tag: ref.tag!, digest: manifest.digest, size: manifest.size, role: signed.role, repoCreated: signed.repoCreated };
}
