// Some senders state the image only as one string: Harbor's resource_url, Quay's docker_url,
// GitHub's package_url, Google's fully qualified `tag` and `digest`. They are always
// fully qualified (host first), so the split is positional; nothing is validated here,
// event.ts checks the parts afterwards.

export interface ImageNameParts {
  host?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** "host[:port]/path[:tag][@digest]" → its parts. A name without "/" has no host. */
export function splitImageName(name: string): ImageNameParts {
  let rest = name;
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A ":" before the last "/" is the host's port, not a tag.
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf("/");
  if (slash < 0) return { repository: rest, tag, digest };
  return { host: rest.slice(0, slash), repository: rest.slice(slash + 1), tag, digest };
}
