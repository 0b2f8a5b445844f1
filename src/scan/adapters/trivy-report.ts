// A Trivy JSON report (`--format json`, SchemaVersion 2) → regops' ScanReport. Only the fields
// a finding needs are checked; everything else Trivy writes passes untouched.
import { z } from "zod";
import { ScanAdapterError } from "./errors.js";
import { describeIssues } from "./harbor-schema.js";
import { severityFrom, type Finding, type ScanReport } from "./types.js";

const trivyVulnerability = z.object({
  VulnerabilityID: z.string().min(1),
  VendorIDs: z.array(z.string()).nullish(),
  PkgName: z.string(),
  InstalledVersion: z.string(),
  FixedVersion: z.string().optional(),
  Severity: z.string().optional(),
  Title: z.string().optional(),
  Description: z.string().optional(),
  PrimaryURL: z.string().optional(),
  References: z.array(z.string()).nullish(),
  Layer: z.object({ Digest: z.string().optional(), DiffID: z.string().optional() }).nullish(),
  CweIDs: z.array(z.string()).nullish(),
  CVSS: z.record(z.string(), z.object({ V2Vector: z.string().optional(), V3Vector: z.string().optional(), V2Score: z.number().optional(), V3Score: z.number().optional() })).nullish(),
});
export type TrivyVulnerability = z.infer<typeof trivyVulnerability>;

export const trivyReportSchema = z.object({
  SchemaVersion: z.literal(2),
  CreatedAt: z.string().optional(),
  ArtifactName: z.string().optional(),
  Trivy: z.object({ Version: z.string().optional() }).optional(),
  // Go encodes an empty slice as null; a clean image has Results without Vulnerabilities.
  Results: z.array(z.object({ Target: z.string(), Class: z.string().optional(), Type: z.string().optional(), Vulnerabilities: z.array(trivyVulnerability).nullish() })).nullish(),
});
export type TrivyReport = z.infer<typeof trivyReportSchema>;

export const TRIVY_SCANNER = { name: "Trivy", vendor: "Aqua Security" } as const;

/** Links as harbor-scanner-trivy gives them: the PrimaryURL, else the References. */
export function trivyLinks(v: TrivyVulnerability): string[] {
  return v.PrimaryURL ? [v.PrimaryURL] : (v.References ?? []);
}

export function findingFromTrivy(v: TrivyVulnerability): Finding {
  const layer = v.Layer?.Digest || v.Layer?.DiffID;
  const summary = v.Title || v.Description;
  return {
    id: v.VulnerabilityID,
    aliases: (v.VendorIDs ?? []).filter((a) => a !== v.VulnerabilityID),
    package: v.PkgName,
    installedVersion: v.InstalledVersion,
    ...(v.FixedVersion ? { fixedVersion: v.FixedVersion } : {}),
    severity: severityFrom(v.Severity),
    links: trivyLinks(v),
    ...(summary ? { summary } : {}),
    ...(layer ? { layer } : {}),
  };
}

/** Validates a parsed Trivy report; throws bad_response naming the wrong fields. */
export function checkTrivyReport(json: unknown): TrivyReport {
  const parsed = trivyReportSchema.safeParse(json);
  if (!parsed.success) throw new ScanAdapterError("bad_response", `failed to read the Trivy report: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** Accepts the JSON text or the parsed value. */
export function parseTrivyReport(input: string | unknown, opts: { now?: () => Date } = {}): ScanReport {
  let json = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (err) {
      throw new ScanAdapterError("bad_response", `failed to read the Trivy report: not JSON (${(err as Error).message})`);
    }
  }
  const report = checkTrivyReport(json);
  const findings = (report.Results ?? []).flatMap((r) => (r.Vulnerabilities ?? []).map(findingFromTrivy));
  return {
    scanner: { ...TRIVY_SCANNER, version: report.Trivy?.Version ?? "unknown" },
    findings,
    generatedAt: report.CreatedAt ?? (opts.now?.() ?? new Date()).toISOString(),
  };
}
