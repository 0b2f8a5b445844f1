// Go binaries: the build info the Go toolchain embeds (`\xff Go buildinf:`), read with the
// Go >= 1.18 inline layout (debug/buildinfo): a 32-byte header (byte 14 pointer size, byte 15
// flags, 0x2 = inline strings), then two uvarint-length-prefixed strings, the Go version and
// the module info (`path`, `mod`, `dep`, `=>` lines between 16-byte sentinels). Older binaries
// point at strings through the ELF's address space instead; those are only noted.
//
// Candidate files, decided by path (wants() sees no bytes): a basename without a dot, in a
// directory named `bin` or `sbin` at any depth (usr/bin, usr/local/bin, go/bin, opt/x/bin,
// usr/local/go/bin), or directly in the root, `app/` or `ko-app/`. Every candidate streams
// past a search for the build info marker, whatever its size: `.go.buildinfo` opens the data
// segment, after text and rodata, so it sits near the END of the file (Debian's 48 MB
// containerd: at 47.8 MB). Only a window from the marker is held, never the binary.
import type { ImageFiles } from "../layers/types.js";
import type { Analyzer, Package } from "./types.js";

const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
const HEADER = 32;
const FLAG_INLINE = 0x2;
// The build info is found while the binary streams past (anywhere in it: Go puts it near the
// end), and only this much from its marker is kept: module lists are kilobytes.
const WINDOW_BYTES = 1024 * 1024;

export function isGoBinaryCandidate(path: string): boolean {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (base === "" || base.includes(".")) return false;
  const dir = slash < 0 ? "" : path.slice(0, slash);
  const parent = dir.slice(dir.lastIndexOf("/") + 1);
  return parent === "bin" || parent === "sbin" || dir === "" || dir === "app" || dir === "ko-app";
}

function uvarint(buf: Buffer, pos: number): [value: number, next: number] | undefined {
  let value = 0;
  for (let shift = 0, i = pos; i < buf.length && shift < 35; i++, shift += 7) {
    const b = buf[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
  }
  return undefined;
}

/** Offset of the build info header, or -1. The header is 16-byte aligned in its section. */
function findHeader(content: Buffer): number {
  for (let i = content.indexOf(MAGIC); i >= 0; i = content.indexOf(MAGIC, i + 1)) {
    if (i + HEADER <= content.length) return i;
  }
  return -1;
}

/** The bytes of the build info (header and inline strings), or undefined if there is none. */
export function buildInfoSlice(_path: string, content: Buffer): Buffer | undefined {
  const at = findHeader(content);
  if (at < 0) return undefined;
  let end = at + HEADER;
  if ((content[at + 15]! & FLAG_INLINE) !== 0) {
    for (let s = 0; s < 2; s++) {
      const v = uvarint(content, end);
      if (!v) return Buffer.from(content.subarray(at, at + HEADER));
      end = Math.min(content.length, v[1] + v[0]);
    }
  }
  // A copy: the slice must not keep the whole binary alive.
  return Buffer.from(content.subarray(at, end));
}

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  main?: { path: string; version: string };
  deps: { path: string; version: string }[];
}

/** Parses a buildInfoSlice(); undefined for the pre-1.18 (pointer) layout. */
export function parseBuildInfo(info: Buffer): GoBuildInfo | undefined {
  if (info.length < HEADER || !info.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if ((info[15]! & FLAG_INLINE) === 0) return undefined;
  const strings: string[] = [];
  let pos = HEADER;
  for (let s = 0; s < 2; s++) {
    const v = uvarint(info, pos);
    if (!v || v[1] + v[0] > info.length) return undefined;
    strings.push(info.subarray(v[1], v[1] + v[0]).toString("utf8"));
    pos = v[1] + v[0];
  }
  const [goVersion, raw] = strings as [string, string];
  // runtime/debug wraps modinfo in 16-byte sentinels.
  const modinfo = raw.length >= 33 && raw[raw.length - 17] === "\n" ? raw.slice(16, -16) : raw;
  const out: GoBuildInfo = { goVersion, deps: [] };
  let last: { path: string; version: string } | undefined;
  for (const line of modinfo.split("\n")) {
    const [kind, p, version] = line.split("\t");
    if (kind === "path" && p) out.path = p;
    else if (kind === "mod" && p) last = out.main = { path: p, version: version ?? "" };
    else if (kind === "dep" && p) out.deps.push((last = { path: p, version: version ?? "" }));
    // A replaced module: what is built is the replacement (a local path has no version).
    else if (kind === "=>" && p && last) Object.assign(last, { path: p, version: version ?? "" });
  }
  return out;
}

/** "go1.21.5" → "1.21.5"; "go1.22rc1 X:nocoverageredesign" → "1.22rc1"; devel builds → undefined. */
export function stdlibVersion(goVersion: string): string | undefined {
  return /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)(?:\s|$)/.exec(goVersion)?.[1];
}

export const gobinary: Analyzer = {
  name: "gobinary",
  version: 1,
  wants: isGoBinaryCandidate,
  limit: { maxBytes: WINDOW_BYTES, marker: MAGIC },
  reduce: buildInfoSlice,
  analyze(files: ImageFiles, _os, notes = []): Package[] {
    const out: Package[] = [];
    for (const [path, f] of files.files) {
      if (!isGoBinaryCandidate(path) || !f.content.subarray(0, MAGIC.length).equals(MAGIC)) continue;
      const info = parseBuildInfo(f.content);
      if (!info) {
        notes.push(`gobinary: ${path} was built before Go 1.18 (pointer build info): not read`);
        continue;
      }
      const add = (name: string, version: string) => out.push({ type: "gobinary", name, version, ecosystem: "Go", layer: f.layer, path });
      // The main module of a local build is "(devel)": no version to look up.
      if (info.main && info.main.version && info.main.version !== "(devel)") add(info.main.path, info.main.version);
      for (const d of info.deps) if (d.version) add(d.path, d.version);
      const std = stdlibVersion(info.goVersion);
      if (std) add("stdlib", std);
    }
    return out;
  },
};
