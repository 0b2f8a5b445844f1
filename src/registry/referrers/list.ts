// Listing the referrers of a manifest: the OCI 1.1 referrers API (`GET /v2/<name>/referrers/
// <digest>`, page by page through Link headers), or, where the registry answers 404 (one without
// the API, such as distribution 2.8), the referrers tag-schema index. A 404 there too means none.
import { RegopsError } from "../../errors.js";
import { answerTooLarge, readBounded } from "../answer-limits.js";
import { MEDIA_TYPES } from "../manifest.js";
import { isRegistryNotFound } from "../not-found.js";
import { headerValue, type Remote } from "../remote.js";
import { nextPagePath } from "../tags.js";
import { checkCount, indexEntries, REFERRER_LIMIT_DEFAULTS, type ReferrerDescriptor, type ReferrerLimits } from "./descriptor.js";
import { readTagIndex } from "./tag-index.js";

export interface ListReferrersOptions {
  /** Only referrers of this artifactType (filtered here when the registry does not). */
  artifactType?: string;
  limits?: Partial<ReferrerLimits>;
  signal?: AbortSignal;
}

export interface ReferrerList {
  referrers: ReferrerDescriptor[];
  /** Where they were found: the registry's referrers API, or the tag-schema index. */
  via: "referrers-api" | "tag-schema";
}

/** The referrers of `digest` in `repository`. */
export async function listReferrers(remote: Remote, repository: string, digest: string, opts: ListReferrersOptions = {}): Promise<ReferrerList> {
  const limits = { ...REFERRER_LIMIT_DEFAULTS, ...opts.limits };
  const fromApi = await listThroughApi(remote, repository, digest, limits, opts);
  if (fromApi) return { referrers: fromApi, via: "referrers-api" };
  const index = await readTagIndex(remote, repository, digest, opts.signal);
  // The spec: a tag that does not hold a valid index means no referrers.
  const entries = index.state === "index" ? index.entries : [];
  checkCount(entries.length, limits, `${remote.host}/${repository}:${digest} (tag schema)`);
  return { referrers: filtered(entries, opts.artifactType), via: "tag-schema" };
}

/** Whether the registry serves the referrers API for this repository (it never answers it 404). */
export async function hasReferrersApi(remote: Remote, repository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const limits = { ...REFERRER_LIMIT_DEFAULTS, maxPages: 1 };
  return (await listThroughApi(remote, repository, digest, limits, { signal }, true)) !== undefined;
}

/** Undefined when the registry answers 404 (no referrers API). */
async function listThroughApi(
  remote: Remote,
  repository: string,
  digest: string,
  limits: ReferrerLimits,
  opts: ListReferrersOptions,
  firstPageOnly = false,
): Promise<ReferrerDescriptor[] | undefined> {
  const prefix = `/v2/${repository}/referrers/`;
  const query = opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : "";
  const what = `referrers of ${remote.host}/${repository}@${digest}`;
  const maxBytes = remote.answerLimits.manifestBytes;
  const out: ReferrerDescriptor[] = [];
  const seen = new Set<string>();
  let path: string | undefined = `${prefix}${digest}${query}`;
  for (let page = 0; path !== undefined; page++) {
    if (page >= limits.maxPages) throw new RegopsError("REGISTRY_ANSWER_TOO_LARGE", `${what}: more than ${limits.maxPages} pages`);
    seen.add(path);
    let res;
    try {
      res = await remote.send({ method: "GET", repository, path, headers: { accept: MEDIA_TYPES.ociIndex }, signal: opts.signal });
    } catch (err) {
      if (page === 0 && isRegistryNotFound(err)) return undefined;
      throw err;
    }
    const body = await readBounded(res.body, res.headers, maxBytes, () => answerTooLarge(`a page of ${what}`, maxBytes, "manifestBytes"));
    let entries: ReferrerDescriptor[] | undefined;
    try {
      entries = indexEntries(JSON.parse(body.toString("utf8")));
    } catch {
      entries = undefined;
    }
    if (!entries) throw new RegopsError("REGISTRY_REJECTED", `${what}: the registry's answer is not an OCI index`);
    const applied = (headerValue(res.headers["oci-filters-applied"]) ?? "").split(",").map((s) => s.trim());
    out.push(...(applied.includes("artifactType") ? entries : filtered(entries, opts.artifactType)));
    checkCount(out.length, limits, what);
    if (firstPageOnly) break;
    const next = nextPagePath(headerValue(res.headers.link), remote.config.url);
    // Only pages of this same listing are followed, and none twice (a loop would never end).
    path = next !== undefined && next.startsWith(prefix) && !seen.has(next) ? next : undefined;
  }
  return out;
}

function filtered(entries: ReferrerDescriptor[], artifactType: string | undefined): ReferrerDescriptor[] {
  return artifactType ? entries.filter((e) => e.artifactType === artifactType) : entries;
}
