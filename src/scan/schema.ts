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
  /** Largest single record (zip entry) once inflated, in MiB: an OSV record is a few KiB, the largest a few MiB. */
  maxEntryMiB: z.number().positive().max(1024).default(32),
  /** Largest export once inflated (all its entries together), in MiB: osv.dev's biggest inflate to a few GiB. */
  maxUnzippedMiB: z.number().positive().max(262_144).default(16_384),
});

export type ScannerSyncConfig = z.infer<typeof scannerSyncSchema>;

/**
 * What one scan may cost, whatever the image holds (a layer is untrusted input: a 400 KB gzip
 * layer can hold 48 package databases of 8 MiB each). Over a limit the scan fails with
 * SCAN_LIMIT naming the key; the worker stays up.
 */
export const scanLimitsSchema = z.strictObject({
  /** Bytes of package databases held in memory at once for one image (file contents, paths, lineage). */
  keptMiB: z.number().positive().max(65_536).default(128),
  /** Package database files held in memory at once for one image. */
  keptFiles: z.number().int().positive().default(50_000),
  /** Uncompressed bytes of one layer's tar stream. */
  layerMiB: z.number().positive().default(8192),
  /** Uncompressed bytes of all of an image's layers together. */
  imageMiB: z.number().positive().default(32_768),
  /** Largest zstd window a layer may ask for (the zstd CLI's default limit); the decoder allocates it. */
  zstdWindowMiB: z.number().positive().max(2046).default(128),
  /** Packages found in one image. */
  packages: z.number().int().positive().default(100_000),
  /** Wall time of one built-in scan (reading layers and analysing). */
  scanSeconds: z.number().positive().default(600),
  /** Largest answer read from a scanner (a Harbor adapter's report or error, trivy's output). */
  adapterAnswerMiB: z.number().positive().max(4096).default(64),
});

export type ScanLimitsConfig = z.infer<typeof scanLimitsSchema>;

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
  limits: scanLimitsSchema.prefault({}),
});

export type ScannerConfig = z.infer<typeof scannerSchema>;

/** The sync target is always one of the OSV sources: what a `scanner-db` job fetches is what scans use. */
export function withSyncSource(scanner: ScannerConfig): ScannerConfig {
  const into = scanner.sync?.into;
  return into && !scanner.osv.includes(into) ? { ...scanner, osv: [...scanner.osv, into] } : scanner;
}
