// The scanner, as the config file names it: where the OSV advisories are (the built-in
// scanner's database), and the external scanners a scan job may hand an image to instead.
import { z } from "zod";

export const SEVERITIES = ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** failOn: the lowest severity that fails the gate. */
export const failOnSchema = z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);

/** OSV ecosystem names as osv.dev's bucket names its folders ("Debian", "Rocky Linux", "npm"). */
const ecosystemName = z.string().regex(/^[A-Za-z][A-Za-z0-9 .+_-]{0,63}$/, "must be an OSV ecosystem name such as Debian, Alpine, npm or Rocky Linux");

/**
 * The `scanner-db` job's source: a mirror laid out like osv.dev's bucket (and osv-scanner's
 * offline database): `<from>/<ecosystem>/all.zip`, over HTTP(S) or in a directory.
 */
export const scannerSyncSchema = z.strictObject({
  /** https://osv-vulnerabilities.storage.googleapis.com, an internal mirror, or an absolute directory. */
  from: z.union([z.url({ protocol: /^https?$/ }), z.string().regex(/^\//, "must be an http(s) URL or an absolute directory")]),
  /** Where the exports are kept; always read as one of the scanner.osv sources. */
  into: z.string().regex(/^\//, "must be an absolute directory"),
  ecosystems: z.array(ecosystemName).min(1).max(100),
  /** An Authorization header value for a private mirror (use env:NAME). */
  authorization: z.string().min(1).optional(),
  /** Largest export accepted, in MiB (osv.dev's biggest, e.g. Debian, are a few hundred). */
  maxMiB: z.number().int().min(1).max(16_384).default(2048),
});

export type ScannerSyncConfig = z.infer<typeof scannerSyncSchema>;

export const scannerSchema = z.strictObject({
  /** OSV JSON files, directories of them, or osv.dev per-ecosystem zip exports. */
  osv: z.array(z.string().min(1)).default([]),
  /** Where a `scanner-db` job refreshes the advisories from. */
  sync: scannerSyncSchema.optional(),
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

/** The sync target is always one of the OSV sources: what a `scanner-db` job fetches is what scans use. */
export function withSyncSource(scanner: ScannerConfig): ScannerConfig {
  const into = scanner.sync?.into;
  return into && !scanner.osv.includes(into) ? { ...scanner, osv: [...scanner.osv, into] } : scanner;
}
