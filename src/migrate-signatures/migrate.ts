// Migrating off Docker Content Trust: for each tag a GUN has signed in Notary v1, check that the
// registry still serves the signed digest, then sign that digest in Notation or cosign, next to
// the image. A tag overwritten after signing (digest moved) or deleted (tag gone) is skipped with
// the reason: its Notary signature vouches for a manifest the tag no longer names, and signing
// the new one would launder it. A digest already signed in the new format is skipped too, so the
// job can run again (or be retried) and signs nothing twice.
import { RegopsError } from "../errors.js";
import type { JobContext, WorkerDeps } from "../jobs/context.js";
import type { MigratedTag, MigrateSignaturesResult, MigrateSignaturesSpec } from "../jobs/specs/index.js";
import { headManifest, type ManifestDescriptor } from "../registry/manifest.js";
import { parseReference, type Reference } from "../registry/reference.js";
import { signDigest } from "../sign/index.js";
import { existingSignature, type NewFormat } from "./already-signed.js";
import { dctSignedTags, type SignedTarget } from "./dct-targets.js";
import { migrationRefusal, migrationFormat } from "./admission.js";

type Deps = Pick<WorkerDeps, "config" | "registries" | "signing" | "referrersLock" | "signatureDrafts" | "notary">;

export async function migrateSignatures(spec: MigrateSignaturesSpec, ctx: JobContext, deps: Deps): Promise<MigrateSignaturesResult> {
  const format = migrationFormat(spec, deps.config);
  const refused = migrationRefusal(spec, deps.config);
  if (refused) throw refused;
  const notary = deps.notary!;

  const result: MigrateSignaturesResult = { format, migrated: 0, skipped: 0, failed: 0, tags: [] };
  const add = (entry: MigratedTag) => {
    result.tags.push(entry);
    result[entry.outcome]++;
  };
  const guns = spec.repository !== undefined ? [spec.repository] : (spec.guns ?? []);
  for (const [i, name] of guns.entries()) {
    const repo = parseReference(name);
    const gun = `${repo.domain}/${repo.path}`;
    ctx.progress({ phase: "listing", gun, of: guns.length, done: i });
    let targets: SignedTarget[];
    try {
      targets = await dctSignedTags(notary, gun, ctx.signal);
    } catch (err) {
      add({ gun, outcome: "failed", ...failure(err, ctx.signal) });
      continue;
    }
    // Tags of one digest share one new signature.
    const signedNow = new Map<string, string>();
    for (const target of targets) {
      ctx.progress({ phase: "migrating", gun, tag: target.tag, of: guns.length, done: i });
      const base = { gun, tag: target.tag, digest: target.digest, role: target.role };
      try {
        add({ ...base, ...(await migrateTag({ ...repo, tag: target.tag, digest: undefined }, target, format, signedNow, deps, ctx.signal)) });
      } catch (err) {
        add({ ...base, outcome: "failed", ...failure(err, ctx.signal) });
      }
    }
  }
  return result;
}

type Outcome = Pick<MigratedTag, "outcome" | "reason" | "message" | "signature">;

async function migrateTag(
  image: Reference,
  target: SignedTarget,
  format: NewFormat,
  signedNow: Map<string, string>,
  deps: Deps,
  signal: AbortSignal,
): Promise<Outcome> {
  const remote = deps.registries.forReference(image);
  let served: ManifestDescriptor;
  try {
    served = await headManifest(remote, image, signal);
  } catch (err) {
    if (err instanceof RegopsError && err.code === "MANIFEST_UNKNOWN") return { outcome: "skipped", reason: "tag-gone", message: "the registry no longer has this tag" };
    throw err;
  }
  if (served.digest !== target.digest) {
    return { outcome: "skipped", reason: "digest-moved", message: `the tag now names ${served.digest}, not the signed ${target.digest}: it was overwritten after signing` };
  }
  const earlier = signedNow.get(served.digest);
  if (earlier) return { outcome: "migrated", signature: earlier, message: "signed once for every tag of this digest" };
  const existing = await existingSignature(remote, image.path, served.digest, format, signal);
  if (existing) return { outcome: "skipped", reason: "already-signed", message: `${served.digest} already has a ${format} signature (${existing})`, signature: existing };
  const signed = await signDigest(format, image, served, deps, { signal });
  const signature = signed.signature?.digest ?? "";
  signedNow.set(served.digest, signature);
  return { outcome: "migrated", signature };
}

/** A tag's failure as the result reports it; a cancelled job stops instead. */
function failure(err: unknown, signal: AbortSignal): { reason: string; message: string } {
  if (signal.aborted) throw err;
  if (err instanceof RegopsError) return { reason: err.code, message: err.message };
  return { reason: "INTERNAL", message: "internal error" };
}
