// Pushing a manifest that has a `subject` (a signature, an SBOM, an attestation). A registry with
// the referrers API says it indexed the subject with an `OCI-Subject` header on the PUT; without
// that header regops keeps the subject's tag-schema index itself: read it (or start an empty
// one), append the new descriptor unless it is there, PUT it back. That read-append-PUT runs
// under a per-repository lock in Redis shared by every worker process, so concurrent signers of
// one repository never overwrite each other's entry.
import { createHash } from "node:crypto";
import { RegopsError } from "../../errors.js";
import { MEDIA_TYPES, putManifest } from "../manifest.js";
import { headerValue, type Remote } from "../remote.js";
import { checkCount, describeReferrer, REFERRER_LIMIT_DEFAULTS, subjectOf, type ReferrerDescriptor, type ReferrerLimits } from "./descriptor.js";
import { entriesToExtend, readTagIndex } from "./tag-index.js";
import { referrersTag } from "./tag-schema.js";

/** The lock the tag-schema writers share: src/locks/redis-lock.ts's RedisLock fits. */
export interface ReferrersLock {
  withLock<T>(name: string, fn: (signal: AbortSignal) => Promise<T>, opts?: { signal?: AbortSignal }): Promise<T>;
}

export interface PushReferrerOptions {
  lock: ReferrersLock;
  limits?: Partial<ReferrerLimits>;
  signal?: AbortSignal;
}

export interface PushedReferrer {
  /** The descriptor of the pushed manifest, as referrer listings show it. */
  descriptor: ReferrerDescriptor;
  subject: string;
  via: "referrers-api" | "tag-schema";
}

/** PUTs `manifest` (bytes kept as they are) by its digest and makes it findable as a referrer of its subject. */
export async function pushReferrer(remote: Remote, repository: string, manifest: Buffer, mediaType: string, opts: PushReferrerOptions): Promise<PushedReferrer> {
  let json: unknown;
  try {
    json = JSON.parse(manifest.toString("utf8"));
  } catch {
    throw new RegopsError("MANIFEST_INVALID", "a referrer manifest must be JSON");
  }
  const subject = subjectOf(json);
  if (!subject) throw new RegopsError("MANIFEST_INVALID", "a referrer manifest needs a `subject` with a sha256 or sha512 digest");
  const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  const indexed = await putReferrerManifest(remote, repository, { digest, mediaType, body: manifest, subject }, opts.signal);
  const descriptor = describeReferrer(json, { digest, size: manifest.length, mediaType });
  if (indexed) return { descriptor, subject, via: "referrers-api" };
  await addToTagIndex(remote, repository, subject, [descriptor], opts);
  return { descriptor, subject, via: "tag-schema" };
}

/** PUTs a referrer manifest by digest; true when the registry says (OCI-Subject) it indexed the subject. */
export async function putReferrerManifest(
  remote: Remote,
  repository: string,
  m: { digest: string; mediaType: string; body: Buffer; subject: string },
  signal?: AbortSignal,
): Promise<boolean> {
  const res = await remote.send({
    method: "PUT",
    repository,
    actions: "pull,push",
    path: `/v2/${repository}/manifests/${m.digest}`,
    headers: { "content-type": m.mediaType, "content-length": String(m.body.length) },
    body: m.body,
    signal,
  });
  await res.body.dump();
  return headerValue(res.headers["oci-subject"]) === m.subject;
}

/**
 * Adds `descriptors` to the tag-schema index of `subject`, under the repository's lock; those
 * already listed (same digest) are not added twice. Returns how many were added.
 */
export async function addToTagIndex(
  remote: Remote,
  repository: string,
  subject: string,
  descriptors: readonly ReferrerDescriptor[],
  opts: PushReferrerOptions,
): Promise<number> {
  const limits = { ...REFERRER_LIMIT_DEFAULTS, ...opts.limits };
  // The host names the registry the same way in every process (ids are per configuration).
  return opts.lock.withLock(
    `${remote.host}/${repository}`,
    async (signal) => {
      const index = await readTagIndex(remote, repository, subject, signal);
      const listed = new Set(entriesToExtend(index, repository, subject).map((e) => e.digest));
      const added: ReferrerDescriptor[] = [];
      for (const d of descriptors) {
        if (listed.has(d.digest)) continue;
        listed.add(d.digest);
        added.push(d);
      }
      if (!added.length) return 0;
      // Entries this reader could not parse stay as they were: they are another client's.
      const kept = index.state === "index" && Array.isArray(index.json.manifests) ? (index.json.manifests as unknown[]) : [];
      checkCount(kept.length + added.length, limits, `${remote.host}/${repository}:${referrersTag(subject)}`);
      const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...kept, ...added] }));
      const max = remote.answerLimits.manifestBytes;
      if (body.length > max) {
        throw new RegopsError("REGISTRY_ANSWER_TOO_LARGE", `the referrers index of ${repository}@${subject} would pass ${max} bytes (limits.manifestBytes)`);
      }
      await putManifest(remote, repository, referrersTag(subject), MEDIA_TYPES.ociIndex, body, signal);
      return added.length;
    },
    { signal: opts.signal },
  );
}
