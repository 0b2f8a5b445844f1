// Reads an OCI image layout (index.json + blobs/sha256) in place: the manifests it lists and the
// Notation signatures whose subject is a given manifest, as the verify job will get them from a
// registry. Every blob read is checked against its digest.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSignatureManifest, SignatureManifestError, type NotationSignatureInput } from "../../src/sign/notation/index.js";

export interface LayoutDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export function readBlob(layout: string, digest: string): Buffer {
  const bytes = readFileSync(join(layout, "blobs", ...digest.split(":")));
  const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  if (actual !== digest) throw new Error(`blob ${digest} of ${layout} hashes to ${actual}`);
  return bytes;
}

export function layoutManifests(layout: string): LayoutDescriptor[] {
  return (JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: LayoutDescriptor[] }).manifests;
}

/** The manifest tagged `tag` (org.opencontainers.image.ref.name). */
export function taggedManifest(layout: string, tag: string): LayoutDescriptor {
  const found = layoutManifests(layout).find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!found) throw new Error(`${layout} has no manifest tagged ${tag}`);
  return { mediaType: found.mediaType, digest: found.digest, size: found.size };
}

/** Every Notation signature manifest in the layout whose subject is `subjectDigest`, with its envelope blob. */
export function layoutSignatures(layout: string, subjectDigest: string): Array<NotationSignatureInput & { manifestDigest: string; form: string }> {
  const out: Array<NotationSignatureInput & { manifestDigest: string; form: string }> = [];
  for (const m of layoutManifests(layout)) {
    if (m.mediaType !== "application/vnd.oci.image.manifest.v1+json") continue;
    let sig;
    try {
      sig = parseSignatureManifest(readBlob(layout, m.digest));
    } catch (e) {
      if (e instanceof SignatureManifestError) continue; // the image itself, or another artifact
      throw e;
    }
    if (sig.subject.digest !== subjectDigest) continue;
    out.push({ manifestDigest: m.digest, form: sig.form, envelopeDescriptor: sig.envelope, envelope: readBlob(layout, sig.envelope.digest) });
  }
  return out;
}
