// The rpm analyzer on REAL rpm databases. Tiny packages are built with rpmbuild from the spec
// files below and installed with rpm into a fresh sqlite database (Debian's rpm 4.18 default
// backend); the same header blobs are then written as a BerkeleyDB hash `Packages` with
// db5.3_load (and read back by rpm's own bdb_ro backend, so it is a database rpm accepts) and as
// an ndb `Packages.db` (rpm's on-disk layout, written here: Debian's rpm has no ndb backend).
// Expected = what `rpm -qa` lists on that database; source names and versions = what `rpm -qp`
// says of the real source rpms rpmbuild made; version order = rpm's own rpm.vercmp.
// Needs rpm, db5.3-util and sqlite3: scripts/bootstrap installs them (a missing tool fails).
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeImage, fileSelection } from "../../src/scan/analyzers/index.js";
import { ecosystemCovers } from "../../src/scan/osv/ecosystem.js";
import { detectOs, osvEcosystem } from "../../src/scan/analyzers/os-release.js";
import { parseSourceRpm, rpm, sniffRpmdb } from "../../src/scan/analyzers/rpm.js";
import type { OsInfo, Package } from "../../src/scan/analyzers/types.js";
import { readImageFiles, type ImageFiles, type LayerSource } from "../../src/scan/layers/index.js";
import { matchPackages } from "../../src/scan/match/index.js";
import { OsvStore } from "../../src/scan/osv/store.js";
import { filesAsEntries, layerSourceOf, tarOf } from "../helpers/layers.js";

const dir = mkdtempSync(join(tmpdir(), "regops-rpm-"));
// rpmbuild and rpm read ~/.rpmmacros: a HOME of our own keeps the host's out.
const ENV = { ...process.env, HOME: dir, LC_ALL: "C" };
const ROCKY: OsInfo = { family: "rocky", version: "9.3", ecosystem: "Rocky Linux:9" };

function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { env: ENV, input, encoding: "utf8", maxBuffer: 256 << 20, stdio: ["pipe", "pipe", "pipe"] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error(`${cmd} is not installed: run scripts/bootstrap (Debian packages rpm, db5.3-util, sqlite3)`);
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

const spec = (s: { name: string; epoch?: number; version: string; release: string; noarch?: boolean; body?: string }) => `Name: ${s.name}
${s.epoch === undefined ? "" : `Epoch: ${s.epoch}\n`}Version: ${s.version}
Release: ${s.release}
Summary: regops test package
License: MIT
${s.noarch ? "BuildArch: noarch\n" : ""}%description
regops test package
${
  s.body ??
  `%install
mkdir -p %{buildroot}/usr/share/${s.name}
echo ${s.name} > %{buildroot}/usr/share/${s.name}/${s.name}
%files
/usr/share/${s.name}/${s.name}
`
}`;

const SPECS: Record<string, string> = {
  // An epoch, and an upgrade of it in the second database.
  "tinytool-1.2.3": spec({ name: "tinytool", epoch: 2, version: "1.2.3", release: "4.el9" }),
  "tinytool-1.2.4": spec({ name: "tinytool", epoch: 2, version: "1.2.4", release: "1.el9" }),
  // No binary package is named after the source: libmulti (x86_64) and multisrc-doc (noarch).
  multisrc: spec({
    name: "multisrc",
    version: "3.0.7",
    release: "27.el9",
    body: `%package -n libmulti
Summary: library
%description -n libmulti
library
%package doc
Summary: docs
BuildArch: noarch
%description doc
docs
%install
mkdir -p %{buildroot}/usr/lib64 %{buildroot}/usr/share/doc/multisrc
echo lib > %{buildroot}/usr/lib64/libmulti.so.3
echo doc > %{buildroot}/usr/share/doc/multisrc/README
%files -n libmulti
/usr/lib64/libmulti.so.3
%files doc
/usr/share/doc/multisrc/README
`,
  }),
  // An explicit zero epoch (not written in versions) and a pre-release tilde.
  zeroepoch: spec({ name: "zeroepoch", epoch: 0, version: "0.9~rc1", release: "1.fc39", noarch: true }),
};

const rpmsOf = (names: string[]) => names.map((n) => readdirSync(join(dir, "top/RPMS"), { recursive: true, encoding: "utf8" }).find((f) => f.endsWith(".rpm") && f.split("/").pop()!.startsWith(`${n}-`))).map((f) => join(dir, "top/RPMS", f!));

/** OpenPGP ASCII armor (RFC 4880 §6): rpm --import takes only armored keys. */
function armor(key: Buffer): string {
  let crc = 0xb704ce;
  for (const b of key) {
    crc ^= b << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  const sum = Buffer.from([(crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff]).toString("base64");
  const body = key.toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${body}=${sum}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
}

/** `rpm -qa` with the fields the analyzer reports, one object per installed header. */
function rpmQa(dbpath: string, backend = "sqlite") {
  const out = run("rpm", ["-qa", "--dbpath", dbpath, "--define", `_db_backend ${backend}`, "--qf", "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n"]);
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name, epoch, version, release, arch, sourceRpm] = line.split("\t") as [string, string, string, string, string, string];
      return { name, epoch, version, release, arch, sourceRpm };
    });
}

/** What the analyzer must report for `rpm -qa`'s lines: the source from the real source rpm. */
function expectedPackages(qa: ReturnType<typeof rpmQa>) {
  return qa
    .filter((p) => p.name !== "gpg-pubkey")
    .map((p) => {
      const e = p.epoch === "0" ? "" : `${p.epoch}:`;
      const [srcName, srcVersion, srcRelease] = run("rpm", ["-qp", "--qf", "%{NAME}\\t%{VERSION}\\t%{RELEASE}", join(dir, "top/SRPMS", p.sourceRpm)]).split("\t");
      return { name: p.name, version: `${e}${p.version}-${p.release}`, arch: p.arch, sourceName: srcName, sourceVersion: `${e}${srcVersion}-${srcRelease}` };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
const reported = (pkgs: Package[]) => pkgs.map((p) => ({ name: p.name, version: p.version, arch: p.arch, sourceName: p.sourceName, sourceVersion: p.sourceVersion })).sort((a, b) => a.name.localeCompare(b.name));

/** The sqlite Packages table: instance number and header blob. */
function headerBlobs(sqliteFile: string): { hnum: number; blob: Buffer }[] {
  return run("sqlite3", ["-readonly", "-separator", "\t", sqliteFile, "SELECT hnum, hex(blob) FROM Packages ORDER BY hnum"])
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [hnum, hex] = l.split("\t") as [string, string];
      return { hnum: Number(hnum), blob: Buffer.from(hex, "hex") };
    });
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/**
 * rpm's BerkeleyDB Packages: a hash keyed by the instance number (4 bytes, native order: this
 * is x86), the header blob as value; key 0 holds the highest instance number. db5.3_load's
 * "bytevalue" dump format, hex lines prefixed by a space.
 */
function writeBdb(file: string, blobs: { hnum: number; blob: Buffer }[]) {
  const max = Math.max(...blobs.map((b) => b.hnum));
  const lines = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=4096", "HEADER=END"];
  for (const { hnum, blob } of blobs) lines.push(` ${u32(hnum).toString("hex")}`, ` ${blob.toString("hex")}`);
  lines.push(` ${u32(0).toString("hex")}`, ` ${u32(max).toString("hex")}`, "DATA=END");
  run("db5.3_load", [file], `${lines.join("\n")}\n`);
}

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const x of buf) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * rpm's ndb Packages.db as lib/backend/ndb/rpmpkg.c writes it: 4 KiB slot pages (the file
 * header "RpmP", version 0, generation, slot page count, next index in the first 32 bytes; then
 * 16-byte slots "Slot", pkgidx, blkoff, blkcnt), then blobs in 16-byte blocks: "BlbS", pkgidx,
 * timestamp, length, the header, zero padding, and a tail of adler32 (over all before it),
 * length, "BlbE".
 */
function writeNdb(file: string, blobs: { hnum: number; blob: Buffer }[]) {
  const PAGE = 4096;
  const BLK = 16;
  const pages = Math.ceil((blobs.length + 2) / (PAGE / 16));
  const slots = Buffer.alloc(pages * PAGE);
  Buffer.from("RpmP").copy(slots, 0);
  slots.writeUInt32LE(0, 4);
  slots.writeUInt32LE(blobs.length + 1, 8);
  slots.writeUInt32LE(pages, 12);
  slots.writeUInt32LE(Math.max(...blobs.map((b) => b.hnum)) + 1, 16);
  for (let o = 32; o < slots.length; o += 16) Buffer.from("Slot").copy(slots, o);
  const out: Buffer[] = [slots];
  let blkoff = slots.length / BLK;
  blobs.forEach(({ hnum, blob }, i) => {
    const blkcnt = Math.ceil((16 + blob.length + 12) / BLK);
    const head = Buffer.concat([Buffer.from("BlbS"), u32(hnum), u32(1_700_000_000), u32(blob.length)]);
    const body = Buffer.concat([head, blob, Buffer.alloc(blkcnt * BLK - 28 - blob.length)]);
    out.push(body, u32(adler32(body)), u32(blob.length), Buffer.from("BlbE"));
    slots.writeUInt32LE(hnum, 32 + i * 16 + 4);
    slots.writeUInt32LE(blkoff, 32 + i * 16 + 8);
    slots.writeUInt32LE(blkcnt, 32 + i * 16 + 12);
    blkoff += blkcnt;
  });
  writeFileSync(file, Buffer.concat(out));
}

const L1 = "sha256:layer1";
function filesOf(map: Record<string, Buffer>, layer = L1): ImageFiles {
  const files = new Map(Object.entries(map).map(([p, content]) => [p, { content, layer, size: content.length, truncated: false, earlier: [] }]));
  return { files, layers: [] };
}

const layerOf = async (files: Record<string, Buffer | string>): Promise<LayerSource> => layerSourceOf(gzipSync(await tarOf(filesAsEntries(files))));

/** rpm's own comparison (its Lua rpm.vercmp): negative, 0 or positive per pair. */
function rpmVercmp(pairs: [string, string][]): number[] {
  // rpm's Lua print() appends no separator: one print of the joined list.
  const calls = pairs.map(([a, b]) => `rpm.vercmp(${JSON.stringify(a)}, ${JSON.stringify(b)})`).join(", ");
  return run("rpm", ["--eval", `%{lua: print(table.concat({${calls}}, " "))}`]).trim().split(" ").map(Number);
}

let qaFirst: ReturnType<typeof rpmQa> = [];
let qa: ReturnType<typeof rpmQa> = [];
const db: Record<"first" | "sqlite" | "bdb" | "ndb", Buffer> = {} as never;

beforeAll(() => {
  const t0 = Date.now();
  mkdirSync(join(dir, "specs"));
  for (const [file, text] of Object.entries(SPECS)) {
    writeFileSync(join(dir, "specs", `${file}.spec`), text);
    // --target: x86_64 packages whatever the host; -ba also makes the source rpm.
    run("rpmbuild", ["-ba", "--target", "x86_64", "--define", `_topdir ${join(dir, "top")}`, join(dir, "specs", `${file}.spec`)]);
  }
  const dbpath = join(dir, "rpmdb");
  const justdb = ["--justdb", "--nodeps", "--noscripts", "--ignorearch", "--dbpath", dbpath];
  run("rpm", ["--initdb", "--dbpath", dbpath]);
  run("rpm", ["-i", ...justdb, ...rpmsOf(["tinytool-1.2.3", "libmulti", "multisrc-doc"])]);
  cpSync(dbpath, join(dir, "rpmdb-first"), { recursive: true });
  run("rpm", ["-U", ...justdb, ...rpmsOf(["tinytool-1.2.4"])]);
  run("rpm", ["-i", ...justdb, ...rpmsOf(["zeroepoch"])]);
  // A signing key: rpm keeps it as a "gpg-pubkey" header next to the packages.
  const keyring = readdirSync("/usr/share/keyrings").find((f) => /^debian-archive-.*-stable\.gpg$/.test(f));
  if (!keyring) throw new Error("no /usr/share/keyrings/debian-archive-*-stable.gpg: install debian-archive-keyring");
  writeFileSync(join(dir, "key.asc"), armor(readFileSync(join("/usr/share/keyrings", keyring))));
  run("rpm", ["--import", "--dbpath", dbpath, join(dir, "key.asc")]);

  db.first = readFileSync(join(dir, "rpmdb-first/rpmdb.sqlite"));
  db.sqlite = readFileSync(join(dbpath, "rpmdb.sqlite"));
  qaFirst = rpmQa(join(dir, "rpmdb-first"));
  qa = rpmQa(dbpath);

  const blobs = headerBlobs(join(dbpath, "rpmdb.sqlite"));
  mkdirSync(join(dir, "bdb"));
  writeBdb(join(dir, "bdb/Packages"), blobs);
  db.bdb = readFileSync(join(dir, "bdb/Packages"));
  writeNdb(join(dir, "Packages.db"), blobs);
  db.ndb = readFileSync(join(dir, "Packages.db"));
  // The BerkeleyDB file is one rpm itself reads as its database.
  const key = (p: { name: string; version: string }) => `${p.name} ${p.version}`;
  expect(rpmQa(join(dir, "bdb"), "bdb_ro").map(key).sort()).toEqual(qa.map(key).sort());
  console.warn(`rpm fixtures: ${Date.now() - t0} ms (${qa.length} headers)`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PATHS = { sqlite: "var/lib/rpm/rpmdb.sqlite", bdb: "var/lib/rpm/Packages", ndb: "usr/lib/sysimage/rpm/Packages.db" } as const;
const FORMATS = ["sqlite", "bdb", "ndb"] as const;

describe("rpm databases made by rpm", () => {
  it("when the database holds the test packages, then rpm -qa lists them all, a signing key too", () => {
    const nevra = qa.map((p) => (p.name === "gpg-pubkey" ? `${p.name} ${p.arch} ${p.sourceRpm}` : `${p.name}-${p.epoch}:${p.version}-${p.release}.${p.arch}`));
    expect(nevra.sort()).toEqual([
      "gpg-pubkey (none) (none)",
      "libmulti-0:3.0.7-27.el9.x86_64",
      "multisrc-doc-0:3.0.7-27.el9.noarch",
      "tinytool-2:1.2.4-1.el9.x86_64",
      "zeroepoch-0:0.9~rc1-1.fc39.noarch",
    ]);
  });

  it.each(FORMATS)("when the %s database is read, then the packages are exactly rpm -qa's, with source rpm names and versions, gpg-pubkey left out", async (format) => {
    const notes: string[] = [];
    const pkgs = await rpm.analyze(filesOf({ [PATHS[format]]: db[format] }), ROCKY, notes);
    expect(notes).toEqual([]);
    expect(reported(pkgs)).toEqual(expectedPackages(qa));
    expect(pkgs.every((p) => p.type === "rpm" && p.ecosystem === "Rocky Linux:9" && p.path === PATHS[format] && p.layer === L1)).toBe(true);
    expect(sniffRpmdb(db[format])).toBe(format);
  });

  it("when a database's bytes are another format than its name says, then the bytes decide", async () => {
    const want = expectedPackages(qa);
    for (const format of FORMATS) {
      for (const path of Object.values(PATHS)) {
        const notes: string[] = [];
        expect(reported(await rpm.analyze(filesOf({ [path]: db[format] }), ROCKY, notes)), `${format} at ${path}`).toEqual(want);
        expect(notes).toEqual([]);
      }
    }
  });

  it("when two layers hold successive databases, then each package is attributed to the layer where its version first appears", async () => {
    const osRelease = 'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n';
    const layers = [await layerOf({ "etc/os-release": osRelease, "var/lib/rpm/rpmdb.sqlite": db.first }), await layerOf({ "var/lib/rpm/rpmdb.sqlite": db.sqlite })];
    const sel = fileSelection();
    expect(sel.limit!("var/lib/rpm/Packages").maxBytes).toBe(256 * 1024 * 1024);
    const analysis = await analyzeImage(await readImageFiles(layers, sel.wants, sel));
    expect(analysis.notes).toEqual([]);
    expect(analysis.os).toEqual(ROCKY);
    expect(reported(analysis.packages)).toEqual(expectedPackages(qa));
    // libmulti and multisrc-doc came with the first database; tinytool was upgraded and
    // zeroepoch installed by the second.
    const [l1, l2] = layers.map((l) => l.digest);
    const firstNames = new Set(qaFirst.map((p) => p.name));
    expect(firstNames).toEqual(new Set(["tinytool", "libmulti", "multisrc-doc"]));
    const layerOfPkg = Object.fromEntries(analysis.packages.map((p) => [p.name, p.layer]));
    expect(layerOfPkg).toEqual({ libmulti: l1, "multisrc-doc": l1, tinytool: l2, zeroepoch: l2 });
  });

  it("when a snapshot caught sqlite's write-ahead log before a checkpoint, then the log is noted and the main file's packages are reported", async () => {
    // sqlite3 deletes a package in WAL mode and stays open; the files are copied meanwhile, as
    // an image layer would capture an rpm that was still running.
    const src = join(dir, "wal");
    cpSync(join(dir, "rpmdb"), src, { recursive: true });
    const gone = qa.find((p) => p.name === "zeroepoch")!;
    const sqlite = spawn("sqlite3", [join(src, "rpmdb.sqlite")], { env: ENV, stdio: ["pipe", "pipe", "inherit"] });
    const snapshot = await new Promise<Record<string, Buffer>>((resolve, reject) => {
      sqlite.on("error", reject);
      sqlite.on("close", (code) => reject(new Error(`sqlite3 exited (${code}) before the snapshot`)));
      let out = "";
      sqlite.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (!out.includes("deleted")) return;
        resolve({
          "var/lib/rpm/rpmdb.sqlite": readFileSync(join(src, "rpmdb.sqlite")),
          "var/lib/rpm/rpmdb.sqlite-wal": readFileSync(join(src, "rpmdb.sqlite-wal")),
        });
        sqlite.stdin.end();
      });
      sqlite.stdin.write(`PRAGMA wal_autocheckpoint=0;\nDELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Name WHERE key = '${gone.name}');\nSELECT 'deleted';\n`);
    });
    if (sqlite.exitCode === null) await once(sqlite, "close");
    const wal = snapshot["var/lib/rpm/rpmdb.sqlite-wal"]!;
    expect(wal.length).toBeGreaterThan(32); // a WAL header and at least one frame

    const layers = [await layerOf(snapshot)];
    const sel = fileSelection();
    const files = await readImageFiles(layers, sel.wants, sel);
    expect(files.files.get("var/lib/rpm/rpmdb.sqlite-wal")).toMatchObject({ size: wal.length, content: Buffer.alloc(0) });
    const notes: string[] = [];
    const pkgs = await rpm.analyze(files, ROCKY, notes);
    expect(notes).toEqual([`rpm: var/lib/rpm/rpmdb.sqlite-wal holds ${wal.length} bytes not checkpointed into the database: not applied; the last rpm transaction may be missing`]);
    // The main file still lists the package the log deletes.
    expect(reported(pkgs)).toEqual(expectedPackages(qa));
  });

  it("when advisories are fixed just above or below the installed source versions, then what is reported is what rpm.vercmp says", async () => {
    const pkgs = await rpm.analyze(filesOf({ [PATHS.sqlite]: db.sqlite }), ROCKY);
    const sources = new Map(pkgs.map((p) => [p.sourceName!, p.sourceVersion!]));
    expect([...sources.keys()].sort()).toEqual(["multisrc", "tinytool", "zeroepoch"]);
    // Per source: fixed in a later release, in an earlier one (tilde), and, for tinytool, in a
    // later version written without its epoch 2 (so epoch 0: older than anything installed).
    const fixes = [...sources].flatMap(([name, v]) => [
      { id: `ABOVE-${name}`, name, fixed: `${v}.1` },
      { id: `BELOW-${name}`, name, fixed: `${v}~` },
      ...(v.includes(":") ? [{ id: `NOEPOCH-${name}`, name, fixed: v.replace(/^\d+:/, "").replace(/^[^-]+/, "9.9.9") }] : []),
    ]);
    const store = OsvStore.fromRecords(
      fixes.map((f) => ({
        id: f.id,
        modified: "2026-11-01T00:00:00Z",
        affected: [{ package: { ecosystem: "Rocky Linux:9", name: f.name }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: f.fixed }] }] }],
      })),
    );
    const verdicts = rpmVercmp(fixes.map((f) => [sources.get(f.name)!, f.fixed]));
    const affected = new Set(fixes.filter((_, i) => verdicts[i]! < 0).map((f) => f.id));
    expect(affected).toEqual(new Set(["ABOVE-multisrc", "ABOVE-tinytool", "ABOVE-zeroepoch"]));
    const want = pkgs.flatMap((p) => fixes.filter((f) => f.name === p.sourceName && affected.has(f.id)).map((f) => `${f.id} ${p.name} ${p.version}`)).sort();
    const got = matchPackages(pkgs, store).map((f) => `${f.id} ${f.package} ${f.installedVersion}`).sort();
    expect(got).toEqual(want);
    expect(got).toContain("ABOVE-multisrc libmulti 3.0.7-27.el9"); // the binary package, found by its source
  });
});

describe("rpm mapping", () => {
  it("when a source rpm file name is split, then name, version and release come from the right", () => {
    expect(parseSourceRpm("openssl-3.0.7-27.el9.src.rpm")).toEqual({ name: "openssl", version: "3.0.7", release: "27.el9" });
    expect(parseSourceRpm("python3-pip-wheel-21.3.1-1.el9.src.rpm")).toEqual({ name: "python3-pip-wheel", version: "21.3.1", release: "1.el9" });
    expect(parseSourceRpm("kernel-5.14.0-362.8.1.el9_3.nosrc.rpm")).toEqual({ name: "kernel", version: "5.14.0", release: "362.8.1.el9_3" });
    expect(parseSourceRpm("(none)")).toBeUndefined();
    expect(parseSourceRpm(undefined)).toBeUndefined();
  });

  it("when the OS is an RPM distribution, then the OSV ecosystem is the one its records use, or none", () => {
    expect(osvEcosystem("rocky", "9.3")).toBe("Rocky Linux:9");
    expect(osvEcosystem("almalinux", "8.10")).toBe("AlmaLinux:8");
    expect(osvEcosystem("rhel", "9.4")).toBe("Red Hat:enterprise_linux:9");
    expect(osvEcosystem("opensuse-leap", "15.5")).toBe("openSUSE:Leap 15.5");
    expect(osvEcosystem("opensuse-tumbleweed", "20240801")).toBe("openSUSE:Tumbleweed");
    expect(osvEcosystem("sles", "15.5")).toBe("SUSE:Linux Enterprise Server 15 SP5");
    expect(osvEcosystem("sles", "15")).toBe("SUSE:Linux Enterprise Server 15");
    expect(osvEcosystem("fedora", "39")).toBeUndefined();
    expect(osvEcosystem("centos", "7")).toBeUndefined();
    const rhel = { "etc/os-release": Buffer.from('NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION_ID="9.4"\n') };
    expect(detectOs(filesOf(rhel))).toEqual({ family: "rhel", version: "9.4", ecosystem: "Red Hat:enterprise_linux:9" });
  });

  it("when Red Hat or SUSE records are scoped by stream or module, then the image's release covers them, and no other", () => {
    const rhel9 = "Red Hat:enterprise_linux:9";
    expect(ecosystemCovers("Red Hat:enterprise_linux:9::appstream", rhel9)).toBe(true);
    expect(ecosystemCovers("Red Hat:enterprise_linux:9::baseos", rhel9)).toBe(true);
    expect(ecosystemCovers("Red Hat", rhel9)).toBe(true);
    expect(ecosystemCovers("Red Hat:enterprise_linux:8::appstream", rhel9)).toBe(false);
    expect(ecosystemCovers("Red Hat:rhel_eus:9.2::baseos", rhel9)).toBe(false);
    const sp5 = "SUSE:Linux Enterprise Server 15 SP5";
    expect(ecosystemCovers("SUSE:Linux Enterprise Module for Basesystem 15 SP5", sp5)).toBe(true);
    expect(ecosystemCovers("SUSE:Linux Enterprise Server 15 SP5-LTSS", sp5)).toBe(true);
    expect(ecosystemCovers("SUSE:Linux Enterprise Module for Basesystem 15 SP4", sp5)).toBe(false);
    expect(ecosystemCovers("SUSE:Linux Enterprise Server 15", sp5)).toBe(false);
    expect(ecosystemCovers("SUSE:Linux Enterprise Server 15", "SUSE:Linux Enterprise Server 15")).toBe(true);
    // Other ecosystems keep exact releases.
    expect(ecosystemCovers("Rocky Linux:9", "Rocky Linux:8")).toBe(false);
  });

  it("when OSV has no ecosystem for the OS, then the packages are listed and that is noted", async () => {
    const notes: string[] = [];
    const pkgs = await rpm.analyze(filesOf({ [PATHS.sqlite]: db.sqlite }), { family: "fedora", version: "39" }, notes);
    expect(reported(pkgs)).toEqual(expectedPackages(qa));
    expect(pkgs.every((p) => p.ecosystem === "")).toBe(true);
    expect(notes).toEqual([`rpm: OSV has no ecosystem for fedora 39: its ${pkgs.length} RPM packages are listed but not matched`]);
  });
});
