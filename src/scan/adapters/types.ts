// The one finding shape every scanner adapter produces (Harbor adapter client, Trivy JSON),
// so that what is stored, compared and notified does not depend on which scanner ran.

/** Harbor's severity scale (pluggable-scanner-spec `Severity`), highest first; Harbor also ranks Unknown lowest. */
export const SEVERITIES = ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  /** The advisory id the scanner reports (CVE-…, GHSA-…, DSA-…). */
  id: string;
  /** Other ids for the same advisory (Trivy `VendorIDs`); empty when the scanner gives none. */
  aliases: string[];
  /** The installed (binary) package the finding is about. */
  package: string;
  installedVersion: string;
  /** Absent when no fix is known. */
  fixedVersion?: string;
  severity: Severity;
  links: string[];
  summary?: string;
  /** Digest of the layer that introduced the package, when the scanner says. */
  layer?: string;
}

export interface ScanReport {
  scanner: { name: string; vendor: string; version: string };
  findings: Finding[];
  /** ISO 8601, as the scanner stamped the report. */
  generatedAt: string;
}

const BY_UPPER = new Map<string, Severity>(SEVERITIES.map((s) => [s.toUpperCase(), s]));

/** `CRITICAL`, `critical`, `Critical` → `Critical`; anything unrecognised → `Unknown`. */
export function severityFrom(value: string | undefined): Severity {
  return (value && BY_UPPER.get(value.trim().toUpperCase())) || "Unknown";
}

/** The highest severity among findings (`Unknown` for none), as Harbor's report `severity`. */
export function highestSeverity(findings: readonly { severity: Severity }[]): Severity {
  let best = SEVERITIES.length - 1;
  for (const f of findings) best = Math.min(best, SEVERITIES.indexOf(f.severity));
  return SEVERITIES[best] ?? "Unknown";
}
