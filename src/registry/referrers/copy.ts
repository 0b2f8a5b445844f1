// Copying the referrers of a manifest (signatures, SBOMs, attestations, and their own referrers,
// to a bounded depth) from one repository to another, possibly on another registry: for each
// referrer its blobs first, then its manifest, then, where the target has no referrers API, the
// target's tag-schema indexes. Retag calls this for every digest it copied.
import { RegopsError } from "../../errors.js";
import { ImageCopier, type CopyStats } from "../copy.js";
import { getManifest } from "../manifest.js";
import type { Remote } from "../remote.js";
import { transferBlob, type BlobDescriptor } from "../upload.js";
import { checkCount, describeReferrer, REFERRER_LIMIT_DEFAULTS, subjectOf, type ReferrerDescriptor } from "./descriptor.js";
import { hasReferrersApi, listReferrers } from "./list.js";
import { addToTagIndex, putReferrerManifest, type PushReferrerOptions } from "./push.js";

export interface CopyReferrersResult extends CopyStats {
  /** Referrer manifests written to the target. */
  referrers: number;
  /** Listed referrers not copied because their manifest names another subject. */
  skipped: number;
  /** Entries added to the target's tag-schema indexes (0 where it has the referrers API). */
  indexed: number;
}

interface Found {
  subject: string;
  descriptor: ReferrerDescriptor;
}

/** Copies every referrer of `digest` (recursively, at most `limits.maxDepth` levels) from source to target. */
export async function copyReferrers(
  source: Remote,
  sourceRepo: string,
  target: Remote,
  targetRepo: string,
  digest: string,
  opts: PushReferrerOptions,
): Promise<CopyReferrersResult> {
  const found = await findAll(source, sourceRepo, digest, opts);
  const result: CopyReferrersResult = { referrers: 0, skipped: 0, indexed: 0, manifests: 0, blobsSkipped: 0, blobsMounted: 0, blobsCopied: 0, bytesMoved: 0 };
  const bySubject = new Map<string, ReferrerDescriptor[]>();
  let targetIndexesSubjects = false;
  for (const { subject, descriptor } of found) {
    const copied = await copyOne(source, sourceRepo, target, targetRepo, subject, descriptor, result, opts.signal);
    if (!copied) {
      result.skipped++;
      continue;
    }
    result.referrers++;
    targetIndexesSubjects ||= copied.indexed;
    bySubject.set(subject, [...(bySubject.get(subject) ?? []), copied.descriptor]);
  }
  if (!bySubject.size || targetIndexesSubjects || (await hasReferrersApi(target, targetRepo, digest, opts.signal))) return result;
  for (const [subject, descriptors] of bySubject) result.indexed += await addToTagIndex(target, targetRepo, subject, descriptors, opts);
  return result;
}

/** Breadth first: the referrers of `digest`, then theirs, level by level; each digest once. */
async function findAll(source: Remote, repo: string, digest: string, opts: PushReferrerOptions): Promise<Found[]> {
  const limits = { ...REFERRER_LIMIT_DEFAULTS, ...opts.limits };
  const seen = new Set([digest]);
  const out: Found[] = [];
  let level = [digest];
  for (let depth = 0; depth < limits.maxDepth && level.length; depth++) {
    const next: string[] = [];
    for (const subject of level) {
      const { referrers } = await listReferrers(source, repo, subject, { limits, signal: opts.signal });
      for (const descriptor of referrers) {
        if (seen.has(descriptor.digest)) continue;
        seen.add(descriptor.digest);
        out.push({ subject, descriptor });
        next.push(descriptor.digest);
      }
      checkCount(out.length, limits, `the referrers of ${source.host}/${repo}@${digest} (all levels)`);
    }
    level = next;
  }
  return out;
}

/**
 * Copies one referrer; undefined when its manifest does not name `subject` (a stale or forged
 * entry in an index). `indexed`: the target said (OCI-Subject) it indexed the subject itself.
 */
async function copyOne(
  source: Remote,
  sourceRepo: string,
  target: Remote,
  targetRepo: string,
  subject: string,
  listed: ReferrerDescriptor,
  stats: CopyReferrersResult,
  signal?: AbortSignal,
): Promise<{ descriptor: ReferrerDescriptor; indexed: boolean } | undefined> {
  const m = await getManifest(source, { domain: source.host, path: sourceRepo, digest: listed.digest }, signal);
  if (subjectOf(m.json) !== subject) return undefined;
  const descriptor = describeReferrer(m.json, m);
  const json = m.json as { manifests?: unknown; config?: BlobDescriptor; layers?: BlobDescriptor[] };
  if (Array.isArray(json.manifests)) {
    // An index referrer: its children are manifests too, which the image copier handles.
    const copier = new ImageCopier(source, { domain: source.host, path: sourceRepo, digest: m.digest }, target, { domain: target.host, path: targetRepo, digest: m.digest }, { signal });
    await copier.run();
    for (const k of ["manifests", "blobsSkipped", "blobsMounted", "blobsCopied", "bytesMoved"] as const) stats[k] += copier.stats[k];
    return { descriptor, indexed: false };
  }
  const blobs = [...(json.layers ?? []), ...(json.config ? [json.config] : [])];
  for (const blob of blobs) {
    if (typeof blob?.digest !== "string" || typeof blob.size !== "number") throw new RegopsError("REGISTRY_REJECTED", `referrer ${m.digest} has a malformed blob descriptor`);
    const r = await transferBlob(source, sourceRepo, target, targetRepo, blob, signal);
    if (r.outcome === "skipped") stats.blobsSkipped++;
    else if (r.outcome === "mounted") stats.blobsMounted++;
    else stats.blobsCopied++;
    stats.bytesMoved += r.bytes;
  }
  const indexed = await putReferrerManifest(target, targetRepo, { digest: m.digest, mediaType: m.mediaType, body: m.body, subject }, signal);
  stats.manifests++;
  return { descriptor, indexed };
}
