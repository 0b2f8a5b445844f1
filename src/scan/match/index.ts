// Packages × OSV advisories → findings (NOTES §1). OS packages (dpkg, apk, rpm) are looked up
// by their source package and compared on the source version (with epoch), and each finding
// is reported on the binary package, as Trivy does: libcrypto1.1 and libssl1.1 both get
// openssl's CVEs. Language packages are looked up by their own name and version.
import type { OsvMatch, OsvStore } from "../osv/store.js";
import type { Severity } from "../schema.js";
import type { CvssScore } from "../osv/severity.js";
import type { Package } from "../analyzers/types.js";

export interface Finding {
  /** The OSV record id (a CVE id for converted CVE databases, DLA-…, GHSA-…). */
  id: string;
  /** `aliases` and `upstream` of the record. */
  aliases: string[];
  cves: string[];
  /** The binary package as installed. */
  package: string;
  packageType: Package["type"];
  installedVersion: string;
  fixedVersion?: string;
  severity: Severity;
  cvss?: CvssScore;
  /** The package name looked up in the database (the source package for OS packages). */
  source: string;
  /** The version compared (the source version for OS packages). */
  sourceVersion: string;
  ecosystem: string;
  layer: string;
  path: string;
  links: string[];
  summary: string;
}

export interface MatchOptions {
  /** Record ids or aliases to leave out (an ignore list). */
  ignore?: Iterable<string>;
  /** Only findings that have a fixed version. */
  onlyFixed?: boolean;
}

const OS_TYPES = new Set<Package["type"]>(["dpkg", "apk", "rpm"]);

/** What to look up: the source package and version for OS packages, else the package itself. */
export function lookupKey(pkg: Package): { name: string; version: string } {
  if (!OS_TYPES.has(pkg.type)) return { name: pkg.name, version: pkg.version };
  return { name: pkg.sourceName || pkg.name, version: pkg.sourceVersion || pkg.version };
}

function summaryOf(match: OsvMatch): string {
  const r = match.record;
  return r.summary ?? r.details?.split("\n", 1)[0] ?? "";
}

function linksOf(match: OsvMatch): string[] {
  const urls = (match.record.references ?? []).map((r) => r.url);
  return urls.length > 0 ? [...new Set(urls)] : [`https://osv.dev/vulnerability/${match.record.id}`];
}

export function matchPackages(packages: readonly Package[], store: OsvStore, opts: MatchOptions = {}): Finding[] {
  const ignore = new Set(opts.ignore ?? []);
  const findings = new Map<string, Finding>();
  for (const pkg of packages) {
    const { name, version } = lookupKey(pkg);
    for (const match of store.affected(pkg.ecosystem, name, version, pkg.versioning)) {
      if (ignore.has(match.record.id) || match.aliases.some((a) => ignore.has(a))) continue;
      if (opts.onlyFixed && match.fixedVersion === undefined) continue;
      const dedupe = `${match.record.id}\u0000${pkg.name}\u0000${pkg.version}`;
      if (findings.has(dedupe)) continue;
      findings.set(dedupe, {
        id: match.record.id,
        aliases: match.aliases,
        cves: match.cves,
        package: pkg.name,
        packageType: pkg.type,
        installedVersion: pkg.version,
        ...(match.fixedVersion !== undefined ? { fixedVersion: match.fixedVersion } : {}),
        severity: match.severity,
        ...(match.cvss ? { cvss: match.cvss } : {}),
        source: name,
        sourceVersion: version,
        ecosystem: pkg.ecosystem,
        layer: pkg.layer,
        path: pkg.path,
        links: linksOf(match),
        summary: summaryOf(match),
      });
    }
  }
  return [...findings.values()];
}
