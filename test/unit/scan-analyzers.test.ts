// Each analyzer on realistic package-database contents, OS detection and the OSV ecosystem
// strings, and analyzeImage over layers built in memory (attribution, removal by rewrite).
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ANALYZERS, analyzeImage, fileSelection } from "../../src/scan/analyzers/index.js";
import { buildInfoSlice, gobinary, isGoBinaryCandidate, parseBuildInfo, stdlibVersion } from "../../src/scan/analyzers/gobinary.js";
import { detectOs, osvEcosystem } from "../../src/scan/analyzers/os-release.js";
import { dpkg } from "../../src/scan/analyzers/dpkg.js";
import { apk } from "../../src/scan/analyzers/apk.js";
import { npm, parsePackageLock } from "../../src/scan/analyzers/npm.js";
import { pypi, pep503 } from "../../src/scan/analyzers/pypi.js";
import { rpm } from "../../src/scan/analyzers/rpm.js";
import { readImageFiles, type ImageFiles } from "../../src/scan/layers/index.js";
import { corpus, corpusPath } from "../helpers/corpus.js";
import { layerSourceOf, tarOf, type TarEntry } from "../helpers/layers.js";

const L = "sha256:layer";
function filesOf(map: Record<string, string | Buffer>): ImageFiles {
  const files = new Map(
    Object.entries(map).map(([p, c]) => {
      const content = Buffer.isBuffer(c) ? c : Buffer.from(c);
      return [p, { content, layer: L, size: content.length, truncated: false, earlier: [] }];
    }),
  );
  return { files, layers: [] };
}

const DPKG_STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12985
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Replaces: libc6-amd64
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: libgpg-error0
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 216
Maintainer: Debian GnuPG Maintainers <pkg-gnupg-maint@lists.alioth.debian.org>
Architecture: amd64
Multi-Arch: same
Source: libgpg-error (1.46-1)
Version: 1.46-1+b1
Description: GnuPG development runtime library

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime

Package: base-files
Status: hold ok installed
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: vim-tiny
Status: deinstall ok config-files
Architecture: amd64
Source: vim
Version: 2:9.0.1378-2
Description: Vi IMproved - enhanced vi editor - compact version

Package: nano
Status: purge ok not-installed
Architecture: amd64
Description: small, friendly text editor
`;

const APK_INSTALLED = `C:Q1m3SMgjJlSeY8hLPFgP1yfZ5ZwX4=
P:libssl1.1
V:1.1.1d-r0
A:x86_64
S:202587
I:528384
T:SSL shared libraries
U:https://www.openssl.org
L:OpenSSL
o:openssl
m:Timo Teras <timo.teras@iki.fi>
t:1570785316
c:9d3ba0fba4a7bd8e3f63f1b4a9c4ff7e9d0fe60a
D:so:libc.musl-x86_64.so.1 so:libcrypto.so.1.1
p:so:libssl.so.1.1=1.1
r:libressl
F:lib
R:libssl.so.1.1
a:0:0:755
Z:Q1Ovhsh8NbTNBqGo3dnHKGzs5UnwU=

C:Q1r6yFOpLXF4JnfVgj0BfIp0JuZ4E=
P:musl
V:1.1.22-r3
A:x86_64
S:368556
I:598016
T:the musl c library (libc) implementation
U:http://www.musl-libc.org/
L:MIT
o:musl
F:lib
R:libc.musl-x86_64.so.1
`;

/** A Go >= 1.18 build info blob as the linker writes it, at a 16-byte aligned offset in `pad` bytes. */
function goBuildInfo(goVersion: string, modinfo: string, flags = 0x2, pad = 4096): Buffer {
  const uvarint = (n: number) => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
    out.push(n);
    return Buffer.from(out);
  };
  const header = Buffer.alloc(32);
  Buffer.from("\xff Go buildinf:", "latin1").copy(header);
  header[14] = 8;
  header[15] = flags;
  const start = Buffer.from("3077af0c9274080241e1c107e6d618e6", "hex");
  const end = Buffer.from("f932433186182072008242104116d8f2", "hex");
  const mod = Buffer.concat([start, Buffer.from(modinfo), end]);
  const v = Buffer.from(goVersion);
  const elf = Buffer.concat([Buffer.from("\x7fELF\x02\x01\x01", "latin1"), Buffer.alloc(pad - 7, 0x90)]);
  return Buffer.concat([elf, header, uvarint(v.length), v, uvarint(mod.length), mod, Buffer.alloc(512)]);
}

const MODINFO = [
  "path\tgithub.com/acme/tool/cmd/tool",
  "mod\tgithub.com/acme/tool\tv1.4.2\th1:abc=",
  "dep\tgithub.com/spf13/cobra\tv1.8.0\th1:7aJaZx1B85qltLMc546zn58BxxfZdR/W22ej9CFoEf0=",
  "dep\tgolang.org/x/net\tv0.17.0\th1:x",
  "=>\tgolang.org/x/net\tv0.23.0\th1:y",
  "build\t-compiler=gc",
  "build\tGOOS=linux",
  "",
].join("\n");

describe("os-release", () => {
  it("when os-release names the OS, then the OSV ecosystem follows NOTES §1", () => {
    expect(detectOs(filesOf({ "usr/lib/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' }))).toEqual({
      family: "debian",
      version: "12",
      ecosystem: "Debian:12",
    });
    expect(detectOs(filesOf({ "etc/os-release": 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n' }))?.ecosystem).toBe("Ubuntu:22.04:LTS");
    expect(osvEcosystem("ubuntu", "23.10")).toBe("Ubuntu:23.10");
    expect(osvEcosystem("ubuntu", "21.04")).toBe("Ubuntu:21.04");
    expect(osvEcosystem("debian", "10.13")).toBe("Debian:10");
    expect(osvEcosystem("alpine", "3.19.1")).toBe("Alpine:v3.19");
    expect(osvEcosystem("fedora", "39")).toBeUndefined();
  });

  it("when Alpine's repositories name a branch, then it wins over alpine-release", () => {
    const os = detectOs(
      filesOf({
        "etc/os-release": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n',
        "etc/apk/repositories": "# pinned back\nhttps://dl-cdn.alpinelinux.org/alpine/v3.18/main\n",
      }),
    );
    expect(os).toEqual({ family: "alpine", version: "3.19.1", ecosystem: "Alpine:v3.18" });
    expect(detectOs(filesOf({ "etc/alpine-release": "3.10.3\n" }))).toEqual({ family: "alpine", version: "3.10.3", ecosystem: "Alpine:v3.10" });
  });

  it("when only debian_version exists, then it is Debian with its major", () => {
    expect(detectOs(filesOf({ "etc/debian_version": "10.13\n" }))?.ecosystem).toBe("Debian:10");
    expect(detectOs(filesOf({ "etc/debian_version": "trixie/sid\n" }))?.ecosystem).toBe("Debian");
    expect(detectOs(filesOf({}))).toBeUndefined();
  });
});

describe("dpkg", () => {
  const os = { family: "debian", version: "12", ecosystem: "Debian:12" };

  it("when status lists packages, then installed ones are reported with source name and version", async () => {
    const pkgs = await dpkg.analyze(filesOf({ "var/lib/dpkg/status": DPKG_STATUS }), os);
    expect(pkgs.map((p) => [p.name, p.version, p.sourceName, p.sourceVersion, p.arch])).toEqual([
      ["libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4", "amd64"],
      ["libgpg-error0", "1.46-1+b1", "libgpg-error", "1.46-1", "amd64"],
      ["zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1", "amd64"],
      ["base-files", "12.4+deb12u5", "base-files", "12.4+deb12u5", "amd64"],
    ]);
    expect(pkgs[0]).toMatchObject({ type: "dpkg", ecosystem: "Debian:12", layer: L, path: "var/lib/dpkg/status" });
  });

  it("when distroless status.d holds one file per package, then each is read and md5sums are not", async () => {
    expect(dpkg.wants("var/lib/dpkg/status.d/libc6")).toBe(true);
    expect(dpkg.wants("var/lib/dpkg/status.d/libc6.md5sums")).toBe(false);
    expect(dpkg.wants("var/lib/dpkg/status-old")).toBe(false);
    const pkgs = await dpkg.analyze(
      filesOf({
        "var/lib/dpkg/status.d/base": "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n",
        "var/lib/dpkg/status.d/tzdata": "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
      }),
      os,
    );
    expect(pkgs.map((p) => p.name).sort()).toEqual(["base-files", "tzdata"]);
  });
});

describe("apk", () => {
  it("when lib/apk/db/installed lists packages, then name, version, origin and arch are read", async () => {
    const os = { family: "alpine", version: "3.10.3", ecosystem: "Alpine:v3.10" };
    const pkgs = await apk.analyze(filesOf({ "lib/apk/db/installed": APK_INSTALLED }), os);
    expect(pkgs).toEqual([
      { type: "apk", name: "libssl1.1", version: "1.1.1d-r0", sourceName: "openssl", sourceVersion: "1.1.1d-r0", arch: "x86_64", ecosystem: "Alpine:v3.10", layer: L, path: "lib/apk/db/installed" },
      { type: "apk", name: "musl", version: "1.1.22-r3", sourceName: "musl", sourceVersion: "1.1.22-r3", arch: "x86_64", ecosystem: "Alpine:v3.10", layer: L, path: "lib/apk/db/installed" },
    ]);
  });
});

describe("npm", () => {
  it("when paths are offered, then installed package.json and lockfiles outside node_modules are wanted", () => {
    expect(npm.wants("app/node_modules/react/package.json")).toBe(true);
    expect(npm.wants("app/node_modules/@babel/core/package.json")).toBe(true);
    expect(npm.wants("app/node_modules/a/node_modules/b/package.json")).toBe(true);
    expect(npm.wants("app/node_modules/react/lib/package.json")).toBe(false);
    expect(npm.wants("app/package.json")).toBe(false);
    expect(npm.wants("app/package-lock.json")).toBe(true);
    expect(npm.wants("app/node_modules/.package-lock.json")).toBe(false);
  });

  it.skipIf(!corpus)("when a v1 lockfile is read (Trivy's fixture), then nested deps are found and dev deps skipped", () => {
    const lock = JSON.parse(readFileSync(corpusPath("scanner/trivy/npm-package-lock.json"), "utf8"));
    const found = parsePackageLock(lock);
    expect(found).toContainEqual({ name: "jquery", version: "3.3.9" });
    expect(found).toContainEqual({ name: "react", version: "16.8.6" });
    expect(found.some((p) => p.name === "z-lock")).toBe(false);
    expect(found).toHaveLength(12);
  });

  it("when a v3 lockfile and installed packages are read, then names come from install paths (or aliases)", async () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        "": { name: "app", version: "1.0.0" },
        "node_modules/@types/node": { version: "20.11.5", dev: true },
        "node_modules/express": { version: "4.18.2" },
        "node_modules/express/node_modules/debug": { version: "2.6.9" },
        "node_modules/lodash-old": { name: "lodash", version: "4.17.20" },
        "node_modules/local": { resolved: "packages/local", link: true },
      },
    };
    const pkgs = await npm.analyze(
      filesOf({ "srv/package-lock.json": JSON.stringify(lock), "srv/node_modules/@scope/x/package.json": '{"name":"@scope/x","version":"0.1.0"}' }),
    );
    expect(pkgs.map((p) => `${p.name}@${p.version}`)).toEqual(["express@4.18.2", "debug@2.6.9", "lodash@4.17.20", "@scope/x@0.1.0"]);
    expect(pkgs[0]).toMatchObject({ type: "npm", ecosystem: "npm", path: "srv/package-lock.json" });
  });
});

describe("pypi", () => {
  it("when dist-info and egg-info files exist, then Name and Version are read with PEP 503 names", async () => {
    expect(pep503("Django_REST.framework")).toBe("django-rest-framework");
    const pkgs = await pypi.analyze(
      filesOf({
        "usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA":
          "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nSummary: YAML parser and emitter for Python\nClassifier: A\nClassifier: B\n\nVersion: 9.9 in the body\n",
        "usr/local/lib/python3.11/site-packages/zope.interface-5.4.0.egg-info/PKG-INFO": "Metadata-Version: 1.1\nName: zope.interface\nVersion: 5.4.0\n",
        "usr/lib/python3.11/lib-dynload/setuptools_old.egg-info": "Metadata-Version: 1.0\nName: Setuptools_Old\nVersion: 0.6c11\n",
      }),
    );
    expect(pkgs.map((p) => [p.name, p.version, p.ecosystem])).toEqual([
      ["pyyaml", "6.0.1", "PyPI"],
      ["zope-interface", "5.4.0", "PyPI"],
      ["setuptools-old", "0.6c11", "PyPI"],
    ]);
  });
});

describe("gobinary", () => {
  it("when paths are offered, then bin-like directories and extension-less names are candidates", () => {
    for (const p of ["usr/local/bin/helm", "usr/bin/containerd", "bin/app", "go/bin/dlv", "opt/tool/bin/tool", "app/server", "ko-app/hello", "manager"]) {
      expect(isGoBinaryCandidate(p), p).toBe(true);
    }
    for (const p of ["usr/bin/python3.11", "usr/lib/x/libfoo", "app/lib/server", "usr/local/bin/run.sh", "etc/passwd"]) {
      expect(isGoBinaryCandidate(p), p).toBe(false);
    }
  });

  it("when a binary carries inline build info, then the main module, deps (replaced) and stdlib are reported", async () => {
    const binary = goBuildInfo("go1.21.5", MODINFO);
    const slice = buildInfoSlice("usr/local/bin/tool", binary)!;
    expect(slice.length).toBeLessThan(400);
    expect(parseBuildInfo(slice)).toMatchObject({ goVersion: "go1.21.5", path: "github.com/acme/tool/cmd/tool", main: { path: "github.com/acme/tool", version: "v1.4.2" } });
    const notes: string[] = [];
    const pkgs = await gobinary.analyze(filesOf({ "usr/local/bin/tool": slice }), undefined, notes);
    expect(pkgs.map((p) => `${p.name}@${p.version}`)).toEqual([
      "github.com/acme/tool@v1.4.2",
      "github.com/spf13/cobra@v1.8.0",
      "golang.org/x/net@v0.23.0",
      "stdlib@1.21.5",
    ]);
    expect(pkgs[0]).toMatchObject({ type: "gobinary", ecosystem: "Go", path: "usr/local/bin/tool" });
    expect(notes).toEqual([]);
  });

  it("when there is no build info or the pre-1.18 layout, then nothing is kept or it is noted", () => {
    expect(buildInfoSlice("bin/ls", Buffer.from("\x7fELF just C", "latin1"))).toBeUndefined();
    const old = buildInfoSlice("bin/old", goBuildInfo("go1.16", MODINFO, 0x0))!;
    const notes: string[] = [];
    expect(gobinary.analyze(filesOf({ "bin/old": old }), undefined, notes)).toEqual([]);
    expect(notes).toEqual(["gobinary: bin/old was built before Go 1.18 (pointer build info): not read"]);
    expect(stdlibVersion("go1.22rc1 X:nocoverageredesign")).toBe("1.22rc1");
    expect(stdlibVersion("devel go1.23-abcdef")).toBeUndefined();
  });
});

describe("rpm", () => {
  // Real databases built with rpm are read in scan-rpm.test.ts.
  it("when a file at an rpm database path is none of rpm's formats, then its bytes are kept and it is noted", async () => {
    const layer = layerSourceOf(gzipSync(await tarOf([{ name: "var/lib/rpm/rpmdb.sqlite", content: Buffer.alloc(5000, 1) }])));
    const sel = fileSelection();
    const files = await readImageFiles([layer], sel.wants, sel);
    expect(files.files.get("var/lib/rpm/rpmdb.sqlite")).toMatchObject({ size: 5000, content: Buffer.alloc(5000, 1) });
    const notes: string[] = [];
    expect(await rpm.analyze(files, undefined, notes)).toEqual([]);
    expect(notes).toEqual(["rpm: var/lib/rpm/rpmdb.sqlite is not an rpm database (no sqlite header): not read"]);
  });
});

describe("analyzeImage", () => {
  it("when every analyzer file is looked at, then each is in ANALYZERS", () => {
    const dir = new URL("../../src/scan/analyzers/", import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !["index.ts", "types.ts", "text.ts"].includes(f));
    expect(files.map((f) => f.replace(/\.ts$/, "")).sort()).toEqual(ANALYZERS.map((a) => a.name).sort());
  });

  const build = async (layers: TarEntry[][]) => {
    const sources = await Promise.all(layers.map(async (l) => layerSourceOf(gzipSync(await tarOf(l)))));
    const sel = fileSelection();
    return { sources, analysis: await analyzeImage(await readImageFiles(sources, sel.wants, sel)) };
  };

  it("when an upper layer rewrites dpkg status, then removed packages are gone and kept ones stay in their first layer", async () => {
    const base = `${DPKG_STATUS}\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u5\n`;
    // layer 2: apt-get remove curl && apt-get install ca-certificates, with libc6 upgraded.
    const upper = DPKG_STATUS.replace("2.36-9+deb12u4", "2.36-9+deb12u7").concat(
      "\nPackage: ca-certificates\nStatus: install ok installed\nArchitecture: all\nVersion: 20230311\n",
    );
    const { sources, analysis } = await build([
      [
        { name: "etc/os-release", type: "symlink", linkname: "../usr/lib/os-release" },
        { name: "usr/lib/os-release", content: 'ID=debian\nVERSION_ID="12"\n' },
        { name: "var/lib/dpkg/status", content: base },
      ],
      [{ name: "var/lib/dpkg/status", content: upper }],
    ]);
    const [l1, l2] = sources.map((s) => s.digest);
    expect(analysis.os?.ecosystem).toBe("Debian:12");
    const byName = new Map(analysis.packages.map((p) => [p.name, p]));
    expect(byName.has("curl")).toBe(false);
    expect(byName.get("ca-certificates")).toMatchObject({ layer: l2, ecosystem: "Debian:12" });
    expect(byName.get("libc6")).toMatchObject({ version: "2.36-9+deb12u7", layer: l2 });
    expect(byName.get("zlib1g")).toMatchObject({ layer: l1 });
    expect(analysis.notes).toEqual([]);
  });

  it("when the apk db is whited out and a Go binary sits in usr/local/bin, then only the Go modules are reported", async () => {
    const { analysis } = await build([
      [
        { name: "etc/alpine-release", content: "3.10.3\n" },
        { name: "lib/apk/db/installed", content: APK_INSTALLED },
      ],
      [
        { name: "lib/apk/db/.wh.installed", content: "" },
        { name: "usr/local/bin/tool", content: goBuildInfo("go1.21.5", MODINFO, 0x2, 200_000) },
      ],
    ]);
    expect(analysis.os?.ecosystem).toBe("Alpine:v3.10");
    expect(analysis.packages.map((p) => p.type)).toEqual(["gobinary", "gobinary", "gobinary", "gobinary"]);
  });
});
