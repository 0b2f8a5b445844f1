// Turns Trivy's fixture vulnerability DB (integration/testdata/fixtures/db/*.yaml: buckets of
// advisories per platform and package, plus a "vulnerability" bucket of details) into OSV
// records, one per vulnerability id, so the golden reports can check the OSV matcher.
// OS advisories become ECOSYSTEM ranges {introduced "0", fixed FixedVersion} (no fixed
// version: affected always); language advisories' VulnerableVersions become ranges.
import { label } from "./severity.js";
import type { OsvAffected, OsvRange, OsvRecord } from "./record.js";

interface Pair {
  key: string;
  value: Record<string, unknown>;
}
interface Bucket {
  bucket: string;
  pairs: (Bucket | Pair)[];
}

const TRIVY_SEVERITY = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/** Trivy platform bucket → OSV ecosystem and the vendor id its VendorSeverity uses. */
export function platformEcosystem(platform: string): { ecosystem: string; vendor: string } | undefined {
  let m = /^debian (\d+)$/.exec(platform);
  if (m) return { ecosystem: `Debian:${m[1]}`, vendor: "debian" };
  m = /^alpine (\d+\.\d+|edge)$/.exec(platform);
  if (m) return { ecosystem: `Alpine:${m[1] === "edge" ? "edge" : `v${m[1]}`}`, vendor: "alpine" };
  m = /^ubuntu (\d\d)\.(\d\d)$/.exec(platform);
  if (m) return { ecosystem: `Ubuntu:${m[1]}.${m[2]}${Number(m[1]) % 2 === 0 && m[2] === "04" ? ":LTS" : ""}`, vendor: "ubuntu" };
  if (platform.startsWith("npm::")) return { ecosystem: "npm", vendor: "ghsa" };
  if (platform.startsWith("pip::")) return { ecosystem: "PyPI", vendor: "ghsa" };
  return undefined;
}

/** `< 3.0.0`, `>= 1.2, < 1.4`, `<= 2.0`, `= 1.0` → one OSV range (or exact versions). */
export function constraintToRange(constraint: string): { range?: OsvRange; versions: string[] } {
  const events: Record<string, string>[] = [];
  const versions: string[] = [];
  let lower = false;
  for (const part of constraint.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(>=|<=|<|==?)\s*(\S+)$/.exec(part);
    // a plain Error: this converts Trivy's test fixtures for tests, never a user's data
    if (!m) throw new Error(`failed to convert Trivy constraint "${constraint}": "${part}" is not >=, <, <= or =`);
    const [, op, v] = m as unknown as [string, string, string];
    if (op === ">=") {
      events.push({ introduced: v });
      lower = true;
    } else if (op === "<") events.push({ fixed: v });
    else if (op === "<=") events.push({ last_affected: v });
    else versions.push(v);
  }
  if (events.length === 0) return { versions };
  if (!lower) events.unshift({ introduced: "0" });
  return { range: { type: "ECOSYSTEM", events }, versions };
}

function isBucket(x: Bucket | Pair): x is Bucket {
  return "bucket" in x;
}

function asList(doc: unknown): Bucket[] {
  return Array.isArray(doc) ? (doc as Bucket[]) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Converts parsed YAML documents (each a list of top-level buckets) into OSV records. */
export function trivyFixtureToOsv(docs: readonly unknown[]): OsvRecord[] {
  const details = new Map<string, Record<string, unknown>>();
  for (const top of docs.flatMap(asList)) {
    if (top.bucket !== "vulnerability") continue;
    for (const p of top.pairs) if (!isBucket(p)) details.set(p.key, p.value ?? {});
  }
  const byId = new Map<string, { affected: OsvAffected[]; vendorIds: Set<string> }>();
  for (const top of docs.flatMap(asList)) {
    const platform = platformEcosystem(top.bucket);
    if (!platform) continue; // data-source, vulnerability, platforms regops has no ecosystem for
    for (const pkg of top.pairs) {
      if (!isBucket(pkg)) continue;
      for (const adv of pkg.pairs) {
        if (isBucket(adv)) continue;
        const value = adv.value ?? {};
        const entry = byId.get(adv.key) ?? { affected: [], vendorIds: new Set<string>() };
        byId.set(adv.key, entry);
        for (const id of (value.VendorIDs as string[] | undefined) ?? []) entry.vendorIds.add(id);
        const ranges: OsvRange[] = [];
        const versions: string[] = [];
        const vulnerable = value.VulnerableVersions as string[] | undefined;
        if (vulnerable) {
          for (const c of vulnerable) {
            const r = constraintToRange(c);
            if (r.range) ranges.push(r.range);
            versions.push(...r.versions);
          }
        } else {
          const fixed = str(value.FixedVersion);
          ranges.push({ type: "ECOSYSTEM", events: [{ introduced: "0" }, ...(fixed ? [{ fixed }] : [])] });
        }
        const vendorSeverity = (details.get(adv.key)?.VendorSeverity ?? {}) as Record<string, number>;
        const sevNumber = typeof value.Severity === "number" ? value.Severity : vendorSeverity[platform.vendor];
        const severity = sevNumber !== undefined ? TRIVY_SEVERITY[sevNumber] : undefined;
        entry.affected.push({
          package: { ecosystem: platform.ecosystem, name: pkg.bucket },
          ranges,
          ...(versions.length > 0 ? { versions } : {}),
          ...(severity ? { ecosystem_specific: { severity } } : {}),
        });
      }
    }
  }
  return [...byId].map(([id, { affected, vendorIds }]) => toRecord(id, affected, [...vendorIds], details.get(id) ?? {}));
}

function toRecord(id: string, affected: OsvAffected[], vendorIds: string[], d: Record<string, unknown>): OsvRecord {
  const nvd = ((d.CVSS ?? {}) as Record<string, Record<string, unknown>>).nvd ?? {};
  const severity = [
    ...(str(nvd.V3Vector) ? [{ type: "CVSS_V3", score: nvd.V3Vector as string }] : []),
    ...(str(nvd.V2Vector) ? [{ type: "CVSS_V2", score: nvd.V2Vector as string }] : []),
  ];
  const given = label(d.Severity);
  const references = ((d.References as string[] | undefined) ?? []).map((url) => ({ type: "WEB", url }));
  return {
    id,
    modified: str(d.LastModifiedDate) ?? "1970-01-01T00:00:00Z",
    ...(str(d.PublishedDate) ? { published: d.PublishedDate as string } : {}),
    ...(vendorIds.length > 0 ? { aliases: vendorIds } : {}),
    ...(str(d.Title) ? { summary: d.Title as string } : {}),
    ...(str(d.Description) ? { details: d.Description as string } : {}),
    ...(severity.length > 0 ? { severity } : {}),
    affected,
    references,
    ...(given ? { database_specific: { severity: String(d.Severity) } } : {}),
  };
}
