// The scanner, as the config file names it: where the OSV advisories are (the built-in
// scanner's database), and the external scanners a scan job may hand an image to instead.
import { z } from "zod";

export const SEVERITIES = ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** failOn: the lowest severity that fails the gate. */
export const failOnSchema = z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);

export const scannerSchema = z.strictObject({
  /** OSV JSON files, directories of them, or osv.dev per-ecosystem zip exports. */
  osv: z.array(z.string().min(1)).default([]),
  /** The engine a scan job uses when it names none. */
  engine: z.enum(["builtin", "harbor", "trivy"]).default("builtin"),
  /** A Harbor pluggable scanner adapter (API v1.1/v1.2), e.g. harbor-scanner-trivy. */
  harbor: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      /** The Authorization header value the adapter expects (Basic or Bearer). */
      authorization: z.string().min(1).optional(),
    })
    .optional(),
  /** A trivy binary (and optionally a Trivy server it talks to). */
  trivy: z.strictObject({ binary: z.string().min(1).default("trivy"), server: z.url().optional() }).optional(),
});

export type ScannerConfig = z.infer<typeof scannerSchema>;
