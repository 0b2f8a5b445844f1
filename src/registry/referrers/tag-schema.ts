// The referrers tag schema (distribution spec 1.1, "Referrers Tag Schema"): on a registry without
// the referrers API, the referrers of a manifest are listed by an OCI index tagged after the
// subject's digest: `sha256:<hex>` becomes the tag `sha256-<hex>`.

/** Characters a tag may not hold become "-"; the algorithm is cut at 32, the encoded part at 64. */
export function referrersTag(digest: string): string {
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon).slice(0, 32);
  const encoded = digest.slice(colon + 1).slice(0, 64);
  return `${algorithm}-${encoded}`.replace(/[^A-Za-z0-9_.-]/g, "-");
}
