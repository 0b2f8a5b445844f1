// dpkg: `var/lib/dpkg/status`, plus one file per package in `var/lib/dpkg/status.d/`
// (distroless; its `*.md5sums` files are not stanzas). Packages that are removed but whose
// stanza remains (`deinstall`/`purge` wanted, `config-files`/`not-installed` state) are skipped.
import type { ImageFiles } from "../layers/types.js";
import { parseStanzas } from "./text.js";
import type { Analyzer, OsInfo, Package } from "./types.js";

const STATUS = "var/lib/dpkg/status";
const STATUS_D = "var/lib/dpkg/status.d/";

function wants(path: string): boolean {
  if (path === STATUS) return true;
  if (!path.startsWith(STATUS_D)) return false;
  const name = path.slice(STATUS_D.length);
  return name !== "" && !name.includes("/") && !name.endsWith(".md5sums");
}

/** "install ok installed" and "hold ok installed" count; no Status field (distroless) counts too. */
export function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return true;
  const [want, , state] = status.split(/\s+/);
  if (want === "deinstall" || want === "purge") return false;
  return state !== "not-installed" && state !== "config-files";
}

export function parseDpkgStatus(text: string, ecosystem: string, layer: string, path: string): Package[] {
  const out: Package[] = [];
  for (const s of parseStanzas(text)) {
    const name = s.get("Package");
    const version = s.get("Version");
    if (!name || !version || !isInstalled(s.get("Status"))) continue;
    const pkg: Package = { type: "dpkg", name, version, ecosystem, layer, path };
    const arch = s.get("Architecture");
    if (arch) pkg.arch = arch;
    // "Source: openssl" or "Source: glibc (2.28-10)" when the source version differs.
    const src = /^(\S+)(?:\s+\((\S+)\))?/.exec(s.get("Source") ?? "");
    pkg.sourceName = src?.[1] ?? name;
    pkg.sourceVersion = src?.[2] ?? version;
    out.push(pkg);
  }
  return out;
}

export const dpkg: Analyzer = {
  name: "dpkg",
  version: 1,
  wants,
  analyze(files: ImageFiles, os?: OsInfo): Package[] {
    const ecosystem = os?.ecosystem ?? "Debian";
    const out: Package[] = [];
    for (const [path, f] of files.files) {
      if (!wants(path)) continue;
      // A loop, not push(...): a status file of 300,000 stanzas overflows the call stack as
      // spread arguments, and the analyzer would fail with no packages at all.
      for (const p of parseDpkgStatus(f.content.toString("utf8"), ecosystem, f.layer, path)) out.push(p);
    }
    return out;
  },
};
