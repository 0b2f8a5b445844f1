// What a watch tick checks: the watched image's tag, or every tag of the repository that
// matches the glob (one tag-list request through the registry's Remote, so its limits apply).
import { RegopsError } from "../errors.js";
import { GlobError, tagMatcher } from "../patterns/glob.js";
import type { RegistryClients } from "../registry/clients.js";
import { parseReference, withDefaultTag, type Reference } from "../registry/reference.js";
import { listTags } from "../registry/tags.js";
import type { Watch } from "./schema.js";

/** The watch's tag glob; one saved before the RE2 limits that no longer compiles is the tick's error, naming it. */
function tagsMatcher(watch: Watch): (tag: string) => boolean {
  try {
    return tagMatcher(watch.tags);
  } catch (err) {
    if (!(err instanceof GlobError)) throw err;
    throw new RegopsError("BAD_REQUEST", `tags glob "${watch.tags}" ${err.message}`, {
      hint: "change the watch's tags (PUT /v1/watches/{id}, or the config file)",
      fields: [{ field: "tags", message: `glob ${err.message}` }],
    });
  }
}

/** The tagged references a tick checks: the image, or the repository's tags that match the glob. */
export async function targetsOf(watch: Watch, registries: RegistryClients, signal: AbortSignal): Promise<Reference[]> {
  if (watch.image !== undefined) return [withDefaultTag(parseReference(watch.image))];
  const repo = parseReference(watch.repository!);
  const matches = tagsMatcher(watch);
  const remote = registries.forReference(withDefaultTag(repo));
  const tags = [...new Set(await listTags(remote, repo, { signal }))].filter(matches);
  return tags.map((tag) => Object.freeze({ domain: repo.domain, path: repo.path, tag }));
}
