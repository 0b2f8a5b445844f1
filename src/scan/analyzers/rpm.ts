// rpm: the package database of RHEL-family and SUSE images, in whichever of rpm's three formats
// the image has: sqlite `rpmdb.sqlite` (rpm ≥ 4.16: RHEL 9, Fedora ≥ 33), BerkeleyDB hash
// `Packages` (RHEL ≤ 8, CentOS 7, Amazon Linux 2) or ndb `Packages.db` (SUSE). All three hold
// one rpm header blob per installed package; @snyk/rpm-parser reads them in plain JS (sqlite
// through sql.js, WebAssembly), so nothing native is needed and nothing is written to disk.
//
// Versions are rpm's EVR, `[epoch:]version-release`, the epoch only when non-zero (rpm -q, Trivy
// and the OSV RPM ecosystems write it so; src/scan/versions/rpm reads a missing epoch as 0).
// Advisories are keyed by the source rpm (NOTES §1): SOURCERPM `openssl-3.0.7-27.el9.src.rpm`
// gives source `openssl` at `<epoch:>3.0.7-27.el9`, the binary's epoch carried over as Trivy does.
import { getPackages, getPackagesNdb, getPackagesSqlite } from "@snyk/rpm-parser";
import type { ImageFiles } from "../layers/types.js";
import type { Analyzer, OsInfo, Package } from "./types.js";

type Format = "sqlite" | "bdb" | "ndb";

const DBS: readonly [path: string, named: Format][] = [
  ["usr/lib/sysimage/rpm/rpmdb.sqlite", "sqlite"],
  ["var/lib/rpm/rpmdb.sqlite", "sqlite"],
  ["usr/lib/sysimage/rpm/Packages.db", "ndb"],
  ["var/lib/rpm/Packages.db", "ndb"],
  ["var/lib/rpm/Packages", "bdb"],
];
const WAL = "-wal";
const wanted = new Set(DBS.flatMap(([path, format]) => (format === "sqlite" ? [path, path + WAL] : [path])));

const LABEL: Record<Format, string> = { sqlite: "sqlite", bdb: "BerkeleyDB", ndb: "ndb" };
const READ: Record<Format, typeof getPackages> = { sqlite: getPackagesSqlite, bdb: getPackages, ndb: getPackagesNdb };
type PackageInfo = Awaited<ReturnType<typeof getPackages>>["response"][number];

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
const NDB_MAGIC = Buffer.from("RpmP", "latin1");
const BDB_HASH_MAGIC = 0x00061561;

/**
 * The format by the file's first bytes; they win over the name (a `Packages` that rpm
 * --rebuilddb turned into sqlite is still sqlite). "bdb-be": a BerkeleyDB written on a
 * big-endian host (s390x, ppc64), which the parser cannot read.
 */
export function sniffRpmdb(head: Buffer): Format | "bdb-be" | undefined {
  if (head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return "sqlite";
  if (head.subarray(0, NDB_MAGIC.length).equals(NDB_MAGIC)) return "ndb";
  if (head.length >= 16 && head.readUInt32LE(12) === BDB_HASH_MAGIC) return "bdb";
  if (head.length >= 16 && head.readUInt32BE(12) === BDB_HASH_MAGIC) return "bdb-be";
  return undefined;
}

/** `name-version-release.arch.rpm`, split from the right as rpm names it; undefined when it is not one. */
export function parseSourceRpm(file: string | undefined): { name: string; version: string; release: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.[^.-]+\.rpm$/.exec(file ?? "");
  return m ? { name: m[1]!, version: m[2]!, release: m[3]! } : undefined;
}

function toPackage(info: PackageInfo, ecosystem: string, layer: string, path: string): Package {
  const epoch = info.epoch ? `${info.epoch}:` : "";
  const version = `${epoch}${info.version}-${info.release}`;
  const src = parseSourceRpm(info.sourceRPM);
  const pkg: Package = {
    type: "rpm",
    name: info.name,
    version,
    // No (or an unparsable) SOURCERPM: the package is its own source, as for dpkg without Source:.
    sourceName: src?.name ?? info.name,
    sourceVersion: src ? `${epoch}${src.version}-${src.release}` : version,
    ecosystem,
    layer,
    path,
  };
  if (info.arch && info.arch !== "(none)") pkg.arch = info.arch;
  return pkg;
}

async function readDb(path: string, named: Format, content: Buffer, notes: string[]): Promise<PackageInfo[]> {
  const format = sniffRpmdb(content);
  if (format === "bdb-be") {
    notes.push(`rpm: ${path} is a big-endian BerkeleyDB (written on s390x or ppc64): not read; its packages are not reported`);
    return [];
  }
  if (!format) {
    notes.push(`rpm: ${path} is not an rpm database (no ${LABEL[named]} header): not read`);
    return [];
  }
  const res = await READ[format](content);
  // The parser is best-effort: it returns what it could read and says why it stopped.
  if (res.error) notes.push(`rpm: ${path}: failed to read the ${LABEL[format]} database: ${res.error.message}`);
  const skipped = res.rpmMetadata?.packagesSkipped ?? 0;
  if (skipped > 0) notes.push(`rpm: ${path}: ${skipped} unreadable package headers skipped`);
  // getPackagesSqlite's list can hold undefined for a header without name, version or release.
  return res.response.filter((p): p is PackageInfo => p !== undefined);
}

export const rpm: Analyzer = {
  name: "rpm",
  version: 2,
  wants: (path) => wanted.has(path),
  // A CentOS 7 BerkeleyDB `Packages` is tens of MB (every header with its file lists), a big
  // RHEL 9 rpmdb.sqlite as much: far over the 8 MiB default. The parser needs the whole file.
  limit: { maxBytes: 256 * 1024 * 1024 },
  // Of a sqlite write-ahead log only the size matters (see analyze): keep no bytes.
  reduce: (path, content) => (path.endsWith(WAL) ? Buffer.alloc(0) : content),
  async analyze(files: ImageFiles, os?: OsInfo, notes: string[] = []): Promise<Package[]> {
    const oversized = new Set(files.layers.flatMap((l) => l.oversized));
    const out: Package[] = [];
    const seen = new Set<string>();
    const read: string[] = [];
    for (const [path, named] of DBS) {
      if (oversized.has(path)) notes.push(`rpm: ${path} is larger than 256 MiB: not read; its packages are not reported`);
      const f = files.files.get(path);
      if (!f || f.size === 0) continue;
      read.push(path);
      const wal = files.files.get(path + WAL);
      if (wal && wal.size > 0) {
        // sql.js opens the main file only. rpm checkpoints when it closes the database, so a
        // non-empty log means an rpm run that did not finish (or a copy taken while it ran).
        notes.push(`rpm: ${path}${WAL} holds ${wal.size} bytes not checkpointed into the database: not applied; the last rpm transaction may be missing`);
      }
      const ecosystem = os?.ecosystem ?? "";
      for (const info of await readDb(path, named, f.content, notes)) {
        // The imported signing keys are headers in the same table, not packages (Trivy skips them too).
        if (info.name === "gpg-pubkey") continue;
        const pkg = toPackage(info, ecosystem, f.layer, path);
        // A second database (a stale one in the other directory) adds only what the first lacks.
        const id = `${pkg.name}\0${pkg.version}\0${pkg.arch ?? ""}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(pkg);
      }
    }
    if (read.length > 1) notes.push(`rpm: more than one rpm database: ${read.join(", ")}; packages of all of them are reported`);
    if (out.length > 0 && !os?.ecosystem) {
      const what = os ? `${os.family} ${os.version}`.trim() : "this image (no os-release)";
      notes.push(`rpm: OSV has no ecosystem for ${what}: its ${out.length} RPM packages are listed but not matched`);
    }
    return out;
  },
};
