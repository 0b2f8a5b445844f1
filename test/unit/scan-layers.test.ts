// readImageFiles on layers built in memory: overlay order, whiteouts (plain and opaque),
// gzip / zstd / plain tar, size limits and the blob digest check.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compressionOf, normalizePath, readImageFiles, whiteoutOf } from "../../src/scan/layers/index.js";
import { layerSourceOf, tarOf, type TarEntry } from "../helpers/layers.js";

const gz = async (entries: TarEntry[]) => layerSourceOf(gzipSync(await tarOf(entries)));
const all = () => true;
const text = (files: Awaited<ReturnType<typeof readImageFiles>>, p: string) => files.files.get(p)?.content.toString();

describe("paths and whiteouts", () => {
  it("when names carry ./ or / or //, then they are normalized", () => {
    expect(normalizePath("./etc/os-release")).toBe("etc/os-release");
    expect(normalizePath("/usr//bin/")).toBe("usr/bin");
    expect(normalizePath("./")).toBe("");
    expect(normalizePath("../etc/passwd")).toBe("etc/passwd");
  });

  it("when a name is a whiteout, then it names its target or directory", () => {
    expect(whiteoutOf("etc/.wh.foo")).toEqual({ kind: "file", target: "etc/foo" });
    expect(whiteoutOf(".wh.etc")).toEqual({ kind: "file", target: "etc" });
    expect(whiteoutOf("var/lib/.wh..wh..opq")).toEqual({ kind: "opaque", dir: "var/lib" });
    expect(whiteoutOf(".wh..wh.plnk/123")).toBeUndefined();
    expect(whiteoutOf("a/.wh..wh.plnk")).toEqual({ kind: "other" });
    expect(whiteoutOf("etc/passwd")).toBeUndefined();
  });

  it("when the first bytes are looked at, then gzip, zstd and tar are told apart", () => {
    expect(compressionOf(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe("gzip");
    expect(compressionOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe("zstd");
    expect(compressionOf(Buffer.from("etc/"))).toBe("none");
  });
});

describe("readImageFiles", () => {
  it("when layers are applied, then upper files replace lower ones and only wanted files are kept", async () => {
    const l1 = await gz([
      { name: "etc/", type: "directory" },
      { name: "./etc/a", content: "a1" },
      { name: "etc/b", content: "b1" },
      { name: "usr/share/doc/big", content: "x".repeat(10_000) },
    ]);
    const l2 = await gz([{ name: "/etc/a", content: "a2" }]);
    // supersede: what is kept of a replaced version instead of its bytes (here its text).
    const files = await readImageFiles([l1, l2], (p) => p.startsWith("etc/"), { supersede: (_p, f) => new Map([[f.content.toString(), f.layer]]) });
    expect([...files.files.keys()].sort()).toEqual(["etc/a", "etc/b"]);
    expect(text(files, "etc/a")).toBe("a2");
    expect(files.files.get("etc/a")!.layer).toBe(l2.digest);
    expect(files.files.get("etc/a")!.origins).toEqual(new Map([["a1", l1.digest]]));
    expect(files.files.get("etc/b")!.layer).toBe(l1.digest);
    expect(files.layers.map((l) => [l.compression, l.entries, l.kept])).toEqual([
      ["gzip", 4, 2],
      ["gzip", 1, 1],
    ]);
  });

  it("when an upper layer has .wh.<name>, then that file and everything under a whited-out directory are gone", async () => {
    const l1 = await gz([
      { name: "lib/apk/db/installed", content: "P:musl\nV:1\n" },
      { name: "app/node_modules/left-pad/package.json", content: "{}" },
      { name: "app/node_modules/left-pad/lib/x.js", content: "" },
      { name: "app/keep", content: "k" },
    ]);
    const l2 = await gz([
      { name: "lib/apk/db/.wh.installed", content: "" },
      { name: "app/node_modules/.wh.left-pad", content: "" },
    ]);
    const files = await readImageFiles([l1, l2], all);
    expect([...files.files.keys()]).toEqual(["app/keep"]);
    expect(files.layers[1]!.whiteouts).toBe(2);
  });

  it("when a whited-out file is written again in a later layer, then the new one is visible without history", async () => {
    const l1 = await gz([{ name: "etc/f", content: "1" }]);
    const l2 = await gz([{ name: "etc/.wh.f", content: "" }]);
    const l3 = await gz([{ name: "etc/f", content: "3" }]);
    const files = await readImageFiles([l1, l2, l3], all, { supersede: (_p, f) => new Map([[f.content.toString(), f.layer]]) });
    expect(text(files, "etc/f")).toBe("3");
    expect(files.files.get("etc/f")!.origins).toBeUndefined();
  });

  it("when a directory is opaque in an upper layer, then lower content under it is hidden but the layer's own stays", async () => {
    const l1 = await gz([
      { name: "var/lib/dpkg/status", content: "old" },
      { name: "var/lib/dpkg/status.d/base", content: "old" },
      { name: "var/lib/other", content: "o" },
    ]);
    // The opaque marker may come after the layer's own files in the tar.
    const l2 = await gz([
      { name: "var/lib/dpkg/status", content: "new" },
      { name: "var/lib/dpkg/.wh..wh..opq", content: "" },
    ]);
    const files = await readImageFiles([l1, l2], all);
    expect([...files.files.keys()].sort()).toEqual(["var/lib/dpkg/status", "var/lib/other"]);
    expect(text(files, "var/lib/dpkg/status")).toBe("new");
  });

  it("when a symlink or a non-selected file replaces a selected one, then the selected one is gone", async () => {
    const l1 = await gz([
      { name: "etc/os-release", content: "ID=debian" },
      { name: "opt/x/package.json", content: "{}" },
    ]);
    const l2 = await gz([
      { name: "etc/os-release", type: "symlink", linkname: "../usr/lib/os-release" },
      { name: "opt/x", content: "now a file" },
    ]);
    const files = await readImageFiles([l1, l2], (p) => p !== "opt/x");
    expect(files.files.size).toBe(0);
  });

  it("when a selected path is a hard link, then it gets the target's bytes", async () => {
    const l1 = await gz([
      { name: "usr/bin/a", content: "same" },
      { name: "usr/bin/b", type: "link", linkname: "usr/bin/a" },
    ]);
    const files = await readImageFiles([l1], all);
    expect(text(files, "usr/bin/b")).toBe("same");
  });

  it("when a layer is plain tar served one byte at a time, then it is read", async () => {
    const blob = await tarOf([{ name: "etc/debian_version", content: "12.5\n" }]);
    const files = await readImageFiles([layerSourceOf(blob, "application/vnd.oci.image.layer.v1.tar", 1)], all);
    expect(files.layers[0]!.compression).toBe("none");
    expect(text(files, "etc/debian_version")).toBe("12.5\n");
  });

  it("when a layer is zstd (pre-made fixture), then fzstd decompresses it", async () => {
    // test/fixtures/scan/layer-alpine.tar.zst: a tar (etc/alpine-release, etc/apk/repositories,
    // lib/apk/db/installed) compressed once with `zstd -19`; CI needs no zstd binary.
    const blob = readFileSync(new URL("../fixtures/scan/layer-alpine.tar.zst", import.meta.url));
    const files = await readImageFiles([layerSourceOf(blob, "application/vnd.oci.image.layer.v1.tar+zstd", 100)], all);
    expect(files.layers[0]!.compression).toBe("zstd");
    expect(text(files, "etc/alpine-release")).toBe("3.19.1\n");
    expect(text(files, "lib/apk/db/installed")).toContain("P:libcrypto3\nV:3.1.4-r5\n");
  });

  it("when a file is over its limit, then it is skipped (or, with prefix, cut) and reported", async () => {
    const l1 = await gz([
      { name: "a", content: "0123456789" },
      { name: "b", content: "0123456789" },
    ]);
    const files = await readImageFiles([l1], all, { limit: (p) => ({ maxBytes: 4, prefix: p === "b" }) });
    expect(files.files.has("a")).toBe(false);
    expect(files.layers[0]!.oversized).toEqual(["a"]);
    expect(files.files.get("b")).toMatchObject({ content: Buffer.from("0123"), size: 10, truncated: true });
  });

  it("when a reducer is given, then only its slice is kept and undefined drops the file", async () => {
    const l1 = await gz([
      { name: "a", content: "keep:1234" },
      { name: "b", content: "nothing" },
    ]);
    const files = await readImageFiles([l1], all, { reduce: (_p, c) => (c.toString().startsWith("keep") ? c.subarray(5) : undefined) });
    expect([...files.files.keys()]).toEqual(["a"]);
    expect(text(files, "a")).toBe("1234");
  });

  it("when the blob does not match its digest or is not a tar, then reading fails naming the layer", async () => {
    const good = await gz([{ name: "a", content: "x" }]);
    const bad = { ...good, digest: `sha256:${"0".repeat(64)}` };
    await expect(readImageFiles([bad], all)).rejects.toThrow(/failed to read layer sha256:0+: the blob hashes to/);
    const garbage = layerSourceOf(Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6]));
    await expect(readImageFiles([garbage], all)).rejects.toThrow(/failed to read layer/);
    const notLayer = { ...good, mediaType: "application/vnd.in-toto+json" };
    await expect(readImageFiles([notLayer], all)).rejects.toThrow(/not a filesystem layer/);
  });
});
