// Which OS the image is, and the OSV ecosystem of its OS packages (NOTES §1).
// `/etc/os-release` (falling back to `/usr/lib/os-release`, as the os-release spec says; on
// Debian and Ubuntu the former is a symlink to the latter), then `/etc/debian_version`,
// `/etc/alpine-release`. For Alpine the branch in `/etc/apk/repositories` wins over the
// point release: it is what the package versions come from.
import type { ImageFiles } from "../layers/types.js";
import type { Analyzer, OsInfo } from "./types.js";

const FILES = ["etc/os-release", "usr/lib/os-release", "etc/debian_version", "etc/alpine-release", "etc/apk/repositories"];

export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, m[2]!.trim().replace(/^(["'])(.*)\1$/, "$2"));
  }
  return out;
}

/** `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`; undefined where OSV has no ecosystem. */
export function osvEcosystem(family: string, version: string): string | undefined {
  const major = /^(\d+)/.exec(version)?.[1];
  switch (family) {
    case "debian":
      return major ? `Debian:${major}` : "Debian";
    case "ubuntu": {
      const m = /^(\d+)\.(\d+)/.exec(version);
      if (!m) return "Ubuntu";
      const lts = Number(m[1]) % 2 === 0 && m[2] === "04";
      return `Ubuntu:${m[1]}.${m[2]}${lts ? ":LTS" : ""}`;
    }
    case "alpine": {
      const m = /^v?(\d+)\.(\d+)/.exec(version);
      return m ? `Alpine:v${m[1]}.${m[2]}` : "Alpine";
    }
    case "wolfi":
      return "Wolfi";
    case "chainguard":
      return "Chainguard";
    // The RPM family. Rocky and Alma scope records by major release ("Rocky Linux:9").
    case "rocky":
      return major ? `Rocky Linux:${major}` : "Rocky Linux";
    case "almalinux":
      return major ? `AlmaLinux:${major}` : "AlmaLinux";
    // Red Hat scopes records by product stream, a CPE ("Red Hat:enterprise_linux:9::baseos",
    // "…::appstream"); which stream a package came from is in neither os-release nor the rpmdb,
    // so the image's major release is asked for and covers all its streams (osv/ecosystem.ts).
    case "rhel":
      return major ? `Red Hat:enterprise_linux:${major}` : "Red Hat";
    // openSUSE releases are the marketing name without "openSUSE" (os-release PRETTY_NAME
    // "openSUSE Leap 15.5" → "openSUSE:Leap 15.5").
    case "opensuse-leap":
      return version ? `openSUSE:Leap ${version}` : "openSUSE";
    case "opensuse-leap-micro":
      return version ? `openSUSE:Leap Micro ${version}` : "openSUSE";
    case "opensuse-tumbleweed":
      return "openSUSE:Tumbleweed";
    // SLE files most packages under the module that ships them ("SUSE:Linux Enterprise Module
    // for Basesystem 15 SP5") or a support phase ("…15 SP4-LTSS"), neither in os-release: the
    // product's service pack is asked for and covers every module of it (osv/ecosystem.ts).
    case "sles": {
      const m = /^(\d+)(?:\.(\d+))?/.exec(version);
      if (!m) return "SUSE";
      return `SUSE:Linux Enterprise Server ${m[1]}${m[2] && m[2] !== "0" ? ` SP${m[2]}` : ""}`;
    }
    default:
      return undefined;
  }
}

/** The Alpine branch of the first `.../alpine/v3.19/main`-style line: "3.19" or "edge". */
function apkBranch(repositories: string): string | undefined {
  for (const line of repositories.split(/\r?\n/)) {
    if (line.trim().startsWith("#")) continue;
    const m = /\/alpine\/(v\d+\.\d+|edge)\//.exec(`${line.trim()}/`);
    if (m) return m[1]!.replace(/^v/, "");
  }
  return undefined;
}

export function detectOs(files: ImageFiles): OsInfo | undefined {
  const text = (p: string) => files.files.get(p)?.content.toString("utf8");
  const release = text("etc/os-release") ?? text("usr/lib/os-release");
  let family: string | undefined;
  let version: string | undefined;
  if (release) {
    const kv = parseOsRelease(release);
    family = kv.get("ID")?.toLowerCase();
    version = kv.get("VERSION_ID");
  }
  if (!family && text("etc/alpine-release")) family = "alpine";
  if (!family && text("etc/debian_version")) family = "debian";
  if (!family) return undefined;
  if (family === "alpine") version ??= text("etc/alpine-release")?.trim();
  // Debian testing/unstable have no VERSION_ID; debian_version then says e.g. "trixie/sid".
  if (family === "debian") version ??= text("etc/debian_version")?.trim();
  version ??= "";
  // The branch packages come from (v3.18 of a 3.19.1 base whose repositories were pinned back).
  const branch = family === "alpine" ? apkBranch(text("etc/apk/repositories") ?? "") : undefined;
  if (branch === "edge") return { family, version, ecosystem: "Alpine" };
  return { family, version, ecosystem: osvEcosystem(family, branch ?? version) };
}

export const osRelease: Analyzer = {
  name: "os-release",
  version: 1,
  wants: (path) => FILES.includes(path),
  analyze: () => [],
};
