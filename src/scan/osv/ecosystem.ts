// OSV ecosystem strings: "<Name>[:<release>]" (osv-schema ecosystems.json). A record for a
// bare ecosystem ("Debian") covers every release; a record for "Debian:12" covers only
// Debian:12. Two spellings are folded so callers need not know them: Alpine releases get
// their mandatory "v" ("Alpine:3.10" = "Alpine:v3.10"), and Ubuntu's ":LTS" marker is
// optional ("Ubuntu:22.04" = "Ubuntu:22.04:LTS"; ESM "Ubuntu:Pro:…" stays a release of its own).

export interface Ecosystem {
  /** The part before the first ":" ("Debian", "Alpine", "PyPI"). */
  base: string;
  /** The release after it, normalised ("12", "v3.10", "22.04"); undefined for a bare ecosystem. */
  release?: string;
}

export function parseEcosystem(ecosystem: string): Ecosystem {
  const at = ecosystem.indexOf(":");
  if (at < 0) return { base: ecosystem };
  const base = ecosystem.slice(0, at);
  let release = ecosystem.slice(at + 1);
  if (base === "Alpine" && /^\d/.test(release)) release = `v${release}`;
  if (base === "Ubuntu") release = release.replace(/:LTS$/, "");
  return release === "" ? { base } : { base, release };
}

/** Whether a record's `affected[].package.ecosystem` applies to a package of `query`. */
export function ecosystemCovers(recordEcosystem: string, query: string): boolean {
  const r = parseEcosystem(recordEcosystem);
  const q = parseEcosystem(query);
  if (r.base !== q.base) return false;
  if (r.release === undefined || r.release === q.release) return true;
  return q.release !== undefined && releaseCovers(r.base, r.release, q.release);
}

/** "15 SP5" of "Linux Enterprise Module for Basesystem 15 SP5" (and of "…15 SP5-LTSS"). */
const sleVersion = (release: string) => /\s(\d+(?: SP\d+)?)(?:-LTSS)?$/.exec(release)?.[1];

/**
 * Red Hat and SUSE scope records finer than an image can tell: by a CPE stream
 * ("Red Hat:enterprise_linux:9::appstream") or by the SLE module that ships a package ("SUSE:Linux
 * Enterprise Module for Basesystem 15 SP5"). Neither is in os-release or the rpm database, so
 * an image's release covers every stream of its major release ("enterprise_linux:9") and every
 * SLE product or module of its service pack ("Linux Enterprise Server 15 SP5").
 */
function releaseCovers(base: string, record: string, query: string): boolean {
  if (base === "Red Hat") return record.startsWith(`${query}:`);
  if (base === "SUSE") {
    const v = sleVersion(query);
    return v !== undefined && sleVersion(record) === v;
  }
  return false;
}

/** Package names as OSV spells them: PyPI names PEP 503-normalised, everything else as is. */
export function normaliseName(base: string, name: string): string {
  return base === "PyPI" ? name.toLowerCase().replace(/[-_.]+/g, "-") : name;
}

/** Versions as OSV spells them: Go module versions without their "v". */
export function normaliseVersion(base: string, version: string): string {
  return base === "Go" ? version.replace(/^v(?=\d)/, "") : version;
}
