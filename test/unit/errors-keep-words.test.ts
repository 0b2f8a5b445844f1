// Errors met while scanning keep their words: each is a RegopsError with a code (the worker
// boundary stores code, message and hint; a plain Error became "internal error while running
// the job"), and the original error stays as `cause`.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { RegopsError } from "../../src/errors.js";
import { readImageFiles, registryLayers, type LayerSource } from "../../src/scan/layers/index.js";
import { parseOsvRecord } from "../../src/scan/osv/index.js";
import type { Remote } from "../../src/registry/remote.js";

const all = () => true;
const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const layer = (blob: Buffer, mediaType = "application/vnd.oci.image.layer.v1.tar+gzip"): LayerSource => ({
  digest: sha256(blob),
  mediaType,
  open: async () => Readable.from([blob]),
});

async function caught(p: Promise<unknown> | (() => unknown)): Promise<RegopsError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(RegopsError);
    return err as RegopsError;
  }
  throw new Error("expected a throw");
}

describe("errors while scanning", () => {
  it("when the manifest is an index (no layers), then MANIFEST_INVALID says to pick a platform", async () => {
    const index = { schemaVersion: 2, manifests: [{ digest: `sha256:${"1".repeat(64)}` }] };
    const e = await caught(() => registryLayers({} as Remote, "team/app", index));
    expect([e.code, e.status, e.retryable]).toEqual(["MANIFEST_INVALID", 422, false]);
    expect(e.message).toBe("failed to list layers of team/app: the manifest has no layers (an index? pick a platform first)");
    const noDigest = await caught(() => registryLayers({} as Remote, "team/app", { layers: [{ mediaType: "x" }] }));
    expect([noDigest.code, noDigest.message]).toEqual(["MANIFEST_INVALID", "failed to list layers of team/app: layer 0 has no digest"]);
  });

  it("when a layer is damaged, then LAYER_UNREADABLE names the layer and keeps the original as cause", async () => {
    const garbage = layer(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6]));
    const e = await caught(readImageFiles([garbage], all));
    expect([e.code, e.retryable]).toEqual(["LAYER_UNREADABLE", false]);
    expect(e.message).toMatch(new RegExp(`^failed to read layer ${garbage.digest}: `));
    expect(e.cause).toBeInstanceOf(Error);

    const wrongDigest = { ...layer(gzipSync(Buffer.alloc(1024))), digest: `sha256:${"0".repeat(64)}` };
    expect(await caught(readImageFiles([wrongDigest], all))).toMatchObject({ code: "LAYER_UNREADABLE", message: expect.stringMatching(/the blob hashes to sha256:/) });

    const notLayer = layer(gzipSync(Buffer.alloc(1024)), "application/vnd.in-toto+json");
    expect(await caught(readImageFiles([notLayer], all))).toMatchObject({ code: "LAYER_UNREADABLE", message: expect.stringMatching(/is not a filesystem layer/) });

    // zstd magic, a frame header, then a block of the reserved type
    const zstd = layer(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x07, 0x00, 0x00]), "application/vnd.oci.image.layer.v1.tar+zstd");
    expect(await caught(readImageFiles([zstd], all))).toMatchObject({ code: "LAYER_UNREADABLE", message: expect.stringMatching(/zstd block of the reserved type/) });
  });

  it("when the connection drops mid-layer, then it is a retryable network error, not a damaged layer", async () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const dropping: LayerSource = {
      digest: `sha256:${"2".repeat(64)}`,
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      open: async () =>
        Readable.from(
          (async function* () {
            yield gzipSync(Buffer.alloc(4096)).subarray(0, 20);
            throw reset;
          })(),
        ),
    };
    const e = await caught(readImageFiles([dropping], all));
    expect([e.code, e.retryable, e.cause]).toEqual(["REGISTRY_UNREACHABLE", true, reset]);
  });

  it("when an OSV record is not valid, then SCANNER_DB_INVALID names the file", async () => {
    const e = await caught(() => parseOsvRecord({ id: 7 }, "/data/osv/x.json"));
    expect([e.code, e.retryable]).toEqual(["SCANNER_DB_INVALID", false]);
    expect(e.message).toMatch(/^failed to read OSV record \/data\/osv\/x\.json: /);
  });
});
