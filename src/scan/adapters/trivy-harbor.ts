// A Trivy report → a Harbor vulnerability report (v1.1), mapped the way goharbor/harbor-scanner-trivy
// does: severity in Harbor's casing, links = [PrimaryURL] else References, NVD CVSS as
// preferred_cvss, and its non-spec `layer` per item. For serving the adapter API (and test fakes).
import { highestSeverity, severityFrom } from "./types.js";
import { TRIVY_SCANNER, trivyLinks, type TrivyReport } from "./trivy-report.js";

export interface HarborArtifact {
  repository: string;
  digest: string;
  mime_type: string;
}

export function harborReportFromTrivy(report: TrivyReport, artifact: HarborArtifact, generatedAt = new Date().toISOString()) {
  const vulnerabilities = (report.Results ?? []).flatMap((r) =>
    (r.Vulnerabilities ?? []).map((v) => {
      const nvd = v.CVSS?.nvd;
      return {
        id: v.VulnerabilityID,
        package: v.PkgName,
        version: v.InstalledVersion,
        fix_version: v.FixedVersion ?? "",
        severity: severityFrom(v.Severity),
        description: v.Description ?? "",
        links: trivyLinks(v),
        ...(v.Layer ? { layer: { digest: v.Layer.Digest, diff_id: v.Layer.DiffID } } : {}),
        preferred_cvss: nvd ? { score_v2: nvd.V2Score, score_v3: nvd.V3Score, vector_v2: nvd.V2Vector, vector_v3: nvd.V3Vector } : {},
        cwe_ids: v.CweIDs ?? [],
        vendor_attributes: v.CVSS ? { CVSS: v.CVSS } : {},
      };
    }),
  );
  return {
    generated_at: generatedAt,
    artifact,
    scanner: { ...TRIVY_SCANNER, version: report.Trivy?.Version ?? "unknown" },
    severity: highestSeverity(vulnerabilities),
    vulnerabilities,
  };
}
