// Tag listing: GET /v2/<name>/tags/list, page by page. A registry that paginates says where
// the next page is in a Link header (`</v2/team/app/tags/list?last=v9&n=1000>; rel="next"`,
// distribution spec "Listing Tags"); one that does not sends every tag at once.
import { RegopsError } from "../errors.js";
import { answerLimits, answerTooLarge, readBounded } from "./answer-limits.js";
import type { Reference } from "./reference.js";
import { isRegistryNotFound } from "./not-found.js";
import { headerValue, type Remote } from "./remote.js";

export const TAGS_PAGE_SIZE = 1000;

/**
 * The path (and query) of the next page from a Link header, or undefined when there is none.
 * Only a `/v2/` path is kept: a Link pointing at another host is not followed, since the
 * request would carry this registry's credentials.
 */
export function nextPagePath(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of splitLinks(link)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const params = m[2]!.split(";").slice(1);
    const isNext = params.some((p) => {
      const kv = /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(p);
      return kv !== null && kv[1]!.toLowerCase().split(/\s+/).includes("next");
    });
    if (!isNext) continue;
    let url: URL;
    try {
      url = new URL(m[1]!, base);
    } catch {
      return undefined;
    }
    if (url.origin !== new URL(base).origin || !url.pathname.startsWith("/v2/")) return undefined;
    return url.pathname + url.search;
  }
  return undefined;
}

/** Splits a Link header at the commas between links (not those inside `<...>` or quotes). */
function splitLinks(header: string): string[] {
  const parts: string[] = [];
  let current = "";
  let inUrl = false;
  let inQuote = false;
  for (const c of header) {
    if (c === "<" && !inQuote) inUrl = true;
    else if (c === ">" && !inQuote) inUrl = false;
    else if (c === '"' && !inUrl) inQuote = !inQuote;
    if (c === "," && !inUrl && !inQuote) {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  if (current.trim()) parts.push(current);
  return parts;
}

/** Every tag of a repository, in the order the registry lists them. */
export async function listTags(
  remote: Remote,
  repo: Pick<Reference, "domain" | "path">,
  opts: { pageSize?: number; signal?: AbortSignal } = {},
): Promise<string[]> {
  const first = `/v2/${repo.path}/tags/list?n=${opts.pageSize ?? TAGS_PAGE_SIZE}`;
  // A repository with more tags than this is not something to poll tag by tag, and a registry
  // sending pages without end (or one endless page) must not fill the memory.
  const { tagListPages: maxPages, tagListBytes: maxBytes } = answerLimits(remote.config.limits);
  const tags: string[] = [];
  const seen = new Set<string>();
  let path: string | undefined = first;
  let bytes = 0;
  for (let page = 0; path !== undefined; page++) {
    if (page >= maxPages) {
      throw new RegopsError("REGISTRY_ANSWER_TOO_LARGE", `${repo.domain}/${repo.path} has more than ${maxPages} pages of tags (limits.tagListPages)`, {
        hint: "watch a narrower set of images, or one image; or raise the registry's limits.tagListPages",
      });
    }
    seen.add(path);
    const res = await remote.send({ method: "GET", repository: repo.path, path, signal: opts.signal }).catch((err: unknown) => {
      if (isRegistryNotFound(err)) {
        throw new RegopsError("NAME_UNKNOWN", `repository ${repo.domain}/${repo.path} not found`, {
          hint: `check the repository name; GET /v2/${repo.path}/tags/list on the registry lists its tags`,
          cause: err,
        });
      }
      throw err;
    });
    const raw = await readBounded(res.body, res.headers, maxBytes - bytes, () =>
      answerTooLarge(`the tag list of ${repo.domain}/${repo.path}`, maxBytes, "tagListBytes"),
    );
    bytes += raw.length;
    let body: { tags?: unknown };
    try {
      body = JSON.parse(raw.toString("utf8")) as { tags?: unknown };
    } catch {
      throw new RegopsError("REGISTRY_REJECTED", `the tag list of ${repo.domain}/${repo.path} is not JSON`);
    }
    // An empty repository lists `"tags": null` on some registries.
    if (!body || typeof body !== "object" || (body.tags !== null && body.tags !== undefined && !Array.isArray(body.tags))) {
      throw new RegopsError("REGISTRY_REJECTED", `the tag list of ${repo.domain}/${repo.path} has no tags array`);
    }
    for (const t of (body.tags as unknown[] | null | undefined) ?? []) if (typeof t === "string") tags.push(t);
    const next = nextPagePath(headerValue(res.headers.link), remote.config.url);
    // A registry that links back to a page already read would loop forever.
    path = next !== undefined && !seen.has(next) ? next : undefined;
  }
  return tags;
}
