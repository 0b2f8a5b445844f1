// Reading images' layers from a real registry: images built through the distribution API
// (gzip, plain tar and zstd layers, whiteouts, a dpkg status rewritten in an upper layer), read
// back through registryLayers(Remote) + getManifest, then analysed. Also the build info of Go
// binaries found on this host (skipped where they are absent).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getManifest } from "../../src/registry/manifest.js";
import { parseReference } from "../../src/registry/reference.js";
import { Remote } from "../../src/registry/remote.js";
import { analyzeImage, fileSelection } from "../../src/scan/analyzers/index.js";
import { readImageFiles, registryLayers } from "../../src/scan/layers/index.js";
import { sha256Of, tarOf } from "../helpers/layers.js";
import { OCI_MANIFEST, pushBlob, putManifest } from "../helpers/oci.js";
import { startRegistry, type StartedRegistry } from "../helpers/stack.js";
import { zip } from "../helpers/zip.js";

const exec = promisify(execFile);

let registry: StartedRegistry;
let remote: Remote;

beforeAll(async () => {
  registry = await startRegistry();
  remote = new Remote({ id: "t", url: registry.url, kind: "distribution", insecure: false, limits: {}, tagPolicy: { latest: "allow", immutable: [] } } as never);
});

afterAll(async () => {
  await remote?.close();
  await registry?.container.stop();
});

const LAYER = "application/vnd.oci.image.layer.v1.tar";

/** Pushes the layers and a config, puts the manifest under `tag`; returns the layer digests. */
async function pushImage(repo: string, tag: string, layers: { blob: Buffer; mediaType: string }[]): Promise<string[]> {
  const digests = await Promise.all(layers.map((l) => pushBlob(registry.url, repo, l.blob)));
  const config = Buffer.from(JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: digests } }));
  const configDigest = await pushBlob(registry.url, repo, config);
  await putManifest(registry.url, repo, tag, OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
    layers: layers.map((l, i) => ({ mediaType: l.mediaType, digest: digests[i], size: l.blob.length })),
  });
  return digests;
}

async function scan(ref: string) {
  const parsed = parseReference(ref);
  const manifest = await getManifest(remote, parsed);
  const sel = fileSelection();
  const files = await readImageFiles(registryLayers(remote, parsed.path, manifest.json), sel.wants, sel);
  return { files, ...(await analyzeImage(files)) };
}

const STATUS = (pkgs: [string, string, string?][]) =>
  pkgs.map(([name, version, source]) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ""}Version: ${version}\nDescription: x\n`).join("\n");

describe("reading layers from a registry", () => {
  it("when a Debian image's upper layer rewrites dpkg status and whites out a package, then the scan sees the final filesystem", async () => {
    const repo = `scan-${Date.now()}/debian`;
    const l1 = gzipSync(
      await tarOf([
        { name: "etc/os-release", type: "symlink", linkname: "../usr/lib/os-release" },
        { name: "usr/lib/os-release", content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' },
        { name: "var/lib/dpkg/status", content: STATUS([["libc6", "2.36-9+deb12u4", "glibc"], ["curl", "7.88.1-10+deb12u5"], ["zlib1g", "1:1.2.13.dfsg-1", "zlib"]]) },
        { name: "app/node_modules/left-pad/package.json", content: '{"name":"left-pad","version":"1.3.0"}' },
      ]),
    );
    // apt-get purge curl, npm uninstall left-pad, npm install express; an uncompressed layer.
    const l2 = await tarOf([
      { name: "var/lib/dpkg/status", content: STATUS([["libc6", "2.36-9+deb12u4", "glibc"], ["zlib1g", "1:1.2.13.dfsg-1", "zlib"]]) },
      { name: "app/node_modules/.wh.left-pad" },
      { name: "app/node_modules/express/package.json", content: '{"name":"express","version":"4.18.2"}' },
    ]);
    const [d1, d2] = await pushImage(repo, "v1", [
      { blob: l1, mediaType: `${LAYER}+gzip` },
      { blob: l2, mediaType: LAYER },
    ]);

    const result = await scan(`${registry.host}/${repo}:v1`);
    expect(result.files.layers.map((l) => [l.digest, l.compression, l.whiteouts])).toEqual([
      [d1, "gzip", 0],
      [d2, "none", 1],
    ]);
    expect(result.os).toEqual({ family: "debian", version: "12", ecosystem: "Debian:12" });
    expect(result.packages.map((p) => [p.type, p.name, p.version, p.sourceName, p.ecosystem, p.layer])).toEqual([
      ["dpkg", "libc6", "2.36-9+deb12u4", "glibc", "Debian:12", d1],
      ["dpkg", "zlib1g", "1:1.2.13.dfsg-1", "zlib", "Debian:12", d1],
      ["npm", "express", "4.18.2", undefined, "npm", d2],
    ]);
    expect(result.notes).toEqual([]);
  });

  it("when an Alpine image's top layer is zstd, then its apk db replaces the lower one and the branch comes from repositories", async () => {
    const repo = `scan-${Date.now()}/alpine`;
    const l1 = gzipSync(
      await tarOf([
        { name: "etc/alpine-release", content: "3.18.6\n" },
        { name: "lib/apk/db/installed", content: "P:libssl1.1\nV:1.1.1d-r0\nA:x86_64\no:openssl\n\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n" },
        { name: "var/lib/rpm/Packages", content: "not really" },
      ]),
    );
    const l2 = gzipSync(await tarOf([{ name: "var/lib/rpm/.wh.Packages" }]));
    const zst = readFileSync(new URL("../fixtures/scan/layer-alpine.tar.zst", import.meta.url));
    const [, , d3] = await pushImage(repo, "v1", [
      { blob: l1, mediaType: `${LAYER}+gzip` },
      { blob: l2, mediaType: `${LAYER}+gzip` },
      { blob: zst, mediaType: `${LAYER}+zstd` },
    ]);

    const result = await scan(`${registry.host}/${repo}:v1`);
    expect(result.files.layers.map((l) => l.compression)).toEqual(["gzip", "gzip", "zstd"]);
    expect(result.os).toEqual({ family: "alpine", version: "3.19.1", ecosystem: "Alpine:v3.19" });
    expect(result.packages.map((p) => [p.name, p.version, p.sourceName, p.ecosystem, p.layer])).toEqual([
      ["musl", "1.2.4_git20230717-r4", "musl", "Alpine:v3.19", d3],
      ["libcrypto3", "3.1.4-r5", "openssl", "Alpine:v3.19", d3],
    ]);
    expect(result.notes).toEqual([]); // the rpm db was whited out
  });
});

describe("Go binaries on this host", () => {
  const layerWith = async (path: string, file: string) => {
    const blob = await tarOf([{ name: path, content: readFileSync(file) }]);
    return { digest: sha256Of(blob), mediaType: LAYER, open: async () => Readable.from([blob]) };
  };
  const analyse = async (path: string, file: string) => {
    const sel = fileSelection();
    const files = await readImageFiles([await layerWith(path, file)], sel.wants, sel);
    return { kept: files.files.get(path), ...(await analyzeImage(files)) };
  };

  const containerd = "/usr/bin/containerd";
  it.skipIf(!existsSync(containerd))("when Debian's containerd (GOPATH build, Go 1.19) is read, then its Go version is reported and only a slice is kept", async () => {
    const r = await analyse("usr/bin/containerd", containerd);
    expect(r.kept!.content.length).toBeLessThan(4096);
    expect(r.kept!.content.toString("latin1")).toContain("github.com/containerd/containerd/cmd/containerd");
    expect(r.packages).toEqual([expect.objectContaining({ type: "gobinary", name: "stdlib", version: expect.stringMatching(/^1\.\d+/), ecosystem: "Go" })]);
  });

  // Debian's Go packages are GOPATH builds (no module info), so a module-mode binary is made
  // here: `go install` with Debian's Go (golang-go, from scripts/bootstrap) from a file-based
  // module proxy holding two small modules of test/fixtures/gobin, offline.
  it("when a module-mode Go binary is read, then its main module and dependencies are reported", async () => {
    const work = mkdtempSync(join(tmpdir(), "regops-gobin-"));
    const modules = [
      { path: "example.test/regops-gobin", version: "v1.0.0", dir: "regops-gobin" },
      { path: "example.test/greeting", version: "v1.2.3", dir: "greeting" },
    ];
    for (const m of modules) {
      const src = fileURLToPath(new URL(`../fixtures/gobin/${m.dir}/`, import.meta.url));
      const at = join(work, "proxy", m.path, "@v");
      mkdirSync(at, { recursive: true });
      const files = Object.fromEntries(readdirSync(src).map((f) => [`${m.path}@${m.version}/${f}`, readFileSync(join(src, f), "utf8")]));
      writeFileSync(join(at, "list"), `${m.version}\n`);
      writeFileSync(join(at, `${m.version}.info`), JSON.stringify({ Version: m.version }));
      writeFileSync(join(at, `${m.version}.mod`), readFileSync(join(src, "go.mod")));
      writeFileSync(join(at, `${m.version}.zip`), zip(files));
    }
    const env = {
      PATH: process.env.PATH,
      HOME: work,
      GOPATH: join(work, "gopath"),
      GOCACHE: join(work, "cache"),
      GOPROXY: `file://${join(work, "proxy")}`,
      GOSUMDB: "off",
      GOFLAGS: "-modcacherw",
      CGO_ENABLED: "0",
      GOTOOLCHAIN: "local",
    };
    const { stdout: goVersion } = await exec("go", ["env", "GOVERSION"], { env });
    await exec("go", ["install", "-trimpath", "example.test/regops-gobin@v1.0.0"], { cwd: work, env });
    const r = await analyse("usr/local/bin/regops-gobin", join(work, "gopath", "bin", "regops-gobin"));
    const found = r.packages.map((p) => [p.name, p.version]);
    expect(found[0]).toEqual(["example.test/regops-gobin", "v1.0.0"]);
    expect(found).toContainEqual(["example.test/greeting", "v1.2.3"]);
    expect(found).toContainEqual(["stdlib", goVersion.trim().replace(/^go/, "")]);
    expect(r.packages.every((p) => p.type === "gobinary" && p.ecosystem === "Go" && p.path === "usr/local/bin/regops-gobin")).toBe(true);
    rmSync(work, { recursive: true, force: true });
  });
});
