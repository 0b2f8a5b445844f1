// The Harbor Pluggable Scanner Adapter API (goharbor/pluggable-scanner-spec v1.1/v1.2) as far as
// a client reads it: media types and minimal zod schemas for what the adapter answers. Unknown
// fields pass (adapters add some, e.g. harbor-scanner-trivy's `layer`); wrong types do not.
import { z } from "zod";

export const MEDIA = {
  metadata: "application/vnd.scanner.adapter.metadata+json; version=1.1",
  scanRequest: "application/vnd.scanner.adapter.scan.request+json; version=1.1",
  scanResponse: "application/vnd.scanner.adapter.scan.response+json; version=1.0",
  vulnReport: "application/vnd.security.vulnerability.report; version=1.1",
  /** Legacy name for the same report schema. */
  vulnReportLegacy: "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
  error: "application/vnd.scanner.adapter.error+json; version=1.0",
} as const;

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";

const scanner = z.object({ name: z.string(), vendor: z.string(), version: z.string() });

export const metadataSchema = z.object({
  scanner,
  capabilities: z.array(
    z.object({
      type: z.enum(["vulnerability", "sbom"]).optional(),
      consumes_mime_types: z.array(z.string()),
      produces_mime_types: z.array(z.string()),
      additional_attributes: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  properties: z.record(z.string(), z.string()).optional(),
});
export type ScannerAdapterMetadata = z.infer<typeof metadataSchema>;

export const scanResponseSchema = z.object({ id: z.string().min(1) });

export const vulnerabilityItemSchema = z.object({
  id: z.string().min(1),
  package: z.string(),
  version: z.string(),
  fix_version: z.string().optional(),
  // Not an enum: an adapter's odd value becomes "Unknown" rather than failing the whole report.
  severity: z.string().optional(),
  description: z.string().optional(),
  links: z.array(z.string()).nullish(),
  layer: z.object({ digest: z.string().optional(), diff_id: z.string().optional() }).nullish(),
});

export const vulnerabilityReportSchema = z.object({
  generated_at: z.string(),
  scanner: scanner.optional(),
  artifact: z.object({ repository: z.string().optional(), digest: z.string().optional() }).partial().optional(),
  severity: z.string().optional(),
  // harbor-scanner-trivy (Go) encodes an empty slice as null.
  vulnerabilities: z.array(vulnerabilityItemSchema).nullable(),
});
export type HarborVulnerabilityReport = z.infer<typeof vulnerabilityReportSchema>;

export const errorBodySchema = z.object({ error: z.object({ message: z.string() }) });

/** The scan request body (spec `ScanRequest`), as regops sends it. */
export interface ScanRequestBody {
  registry: { url: string; authorization?: string };
  artifact: { repository: string; digest: string; tag?: string; mime_type: string };
  enabled_capabilities?: { type: "vulnerability" | "sbom"; produces_mime_types?: string[] }[];
}

/** `vulnerabilities.3.severity: expected string, received number; …` (at most five issues). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const listed = issues.slice(0, 5).map((i) => `${i.path.map(String).join(".") || "(body)"}: ${i.message}`);
  if (issues.length > 5) listed.push(`and ${issues.length - 5} more`);
  return listed.join("; ");
}
