// The referrers tag schema's tag names (the spec's own examples) and the descriptors regops
// writes into a tag-schema index and accepts from one.
import { describe, expect, it } from "vitest";
import { describeReferrer, indexEntries } from "../../src/registry/referrers/descriptor.js";
import { referrersTag } from "../../src/registry/referrers/tag-schema.js";

describe("referrersTag", () => {
  it("when given the distribution spec's example digests, then it gives the spec's tags", () => {
    expect(referrersTag(`sha256:${"a".repeat(64)}`)).toBe(`sha256-${"a".repeat(64)}`);
    expect(referrersTag(`sha512:${"a".repeat(128)}`)).toBe(`sha512-${"a".repeat(64)}`);
    expect(
      referrersTag(
        "test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation",
      ),
    ).toBe("test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot");
  });
});

describe("describeReferrer", () => {
  const m = { digest: `sha256:${"b".repeat(64)}`, size: 321, mediaType: "application/vnd.oci.image.manifest.v1+json" };

  it("when the manifest has an artifactType, then the descriptor carries it and every annotation", () => {
    expect(describeReferrer({ artifactType: "application/x-sig", config: { mediaType: "application/vnd.oci.empty.v1+json" }, annotations: { a: "1", b: "2" } }, m)).toEqual({
      ...m,
      artifactType: "application/x-sig",
      annotations: { a: "1", b: "2" },
    });
  });

  it("when an image manifest has none, then its config mediaType stands in (Notation 1.x signatures); an index gets none", () => {
    expect(describeReferrer({ config: { mediaType: "application/vnd.cncf.notary.signature" } }, m)).toEqual({ ...m, artifactType: "application/vnd.cncf.notary.signature" });
    expect(describeReferrer({ manifests: [] }, { ...m, mediaType: "application/vnd.oci.image.index.v1+json" })).toEqual({ ...m, mediaType: "application/vnd.oci.image.index.v1+json" });
  });
});

describe("indexEntries", () => {
  it("when an index holds entries that are not descriptors, then only those are dropped; a non-index gives undefined", () => {
    const good = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${"c".repeat(64)}`, size: 10, artifactType: "x/y" };
    const json = { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [good, { digest: "sha256:short" }, "nonsense", { ...good, size: -1 }] };
    expect(indexEntries(json)).toEqual([good]);
    expect(indexEntries({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", layers: [] })).toBeUndefined();
    expect(indexEntries({ schemaVersion: 2, manifests: null })).toEqual([]);
  });
});
