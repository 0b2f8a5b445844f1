// A Harbor vulnerability report (spec `HarborVulnerabilityReport`, v1.1) → regops' ScanReport.
import type { HarborVulnerabilityReport } from "./harbor-schema.js";
import { severityFrom, type Finding, type ScanReport } from "./types.js";

export function fromHarborReport(report: HarborVulnerabilityReport, fallbackScanner?: ScanReport["scanner"]): ScanReport {
  const findings = (report.vulnerabilities ?? []).map((v): Finding => {
    const layer = v.layer?.digest || v.layer?.diff_id;
    return {
      id: v.id,
      // The Harbor report has one id per item and no alias field.
      aliases: [],
      package: v.package,
      installedVersion: v.version,
      ...(v.fix_version ? { fixedVersion: v.fix_version } : {}),
      severity: severityFrom(v.severity),
      links: (v.links ?? []).filter((l) => l.length > 0),
      ...(v.description ? { summary: v.description } : {}),
      ...(layer ? { layer } : {}),
    };
  });
  const scanner = report.scanner ?? fallbackScanner ?? { name: "unknown", vendor: "unknown", version: "unknown" };
  return { scanner: { name: scanner.name, vendor: scanner.vendor, version: scanner.version }, findings, generatedAt: report.generated_at };
}
