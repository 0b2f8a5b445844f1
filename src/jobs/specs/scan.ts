// The scan job: find an image's packages and match them against advisories, with a severity gate.
import { z } from "zod";
import { imageReference } from "./common.js";
import { thenSign } from "./then.js";

export const scanSpec = z
  .strictObject({
    type: z.literal("scan"),
    image: imageReference.meta({ description: "The image to scan, by tag or digest (an index: its linux/amd64 image)" }),
    engine: z
      .enum(["builtin", "harbor", "trivy"])
      .optional()
      .meta({ description: "builtin: regops reads the layers and matches OSV advisories; harbor: a Harbor scanner adapter; trivy: trivy. Default scanner.engine" }),
    failOn: z
      .enum(["CRITICAL", "HIGH", "MEDIUM", "LOW"])
      .optional()
      .meta({ description: "The gate: a finding of this severity or worse makes result.passed false (and skips `then`)" }),
    then: z
      .array(thenSign)
      .max(1)
      .optional()
      .meta({ description: 'After a scan that passed its gate: [{"type": "sign"}] signs the image (format: notation, cosign or notary-v1; default signing.default)' }),
  })
  .meta({ id: "ScanSpec" });

export type ScanSpec = z.infer<typeof scanSpec>;

/** The result a scan job stores; the findings themselves are at GET /v1/scans/{id}. */
export interface ScanResult {
  image: string;
  digest: string;
  engine: string;
  scanner: { name: string; vendor: string; version: string };
  /** The advisory database the findings were matched against (builtin: a hash of the OSV inputs). */
  dbVersion: string;
  os?: { family: string; version: string; ecosystem: string };
  packages: number;
  findings: number;
  bySeverity: Record<string, number>;
  /** A cached scan of the same digest, engine and database was reused. */
  cached: boolean;
  failOn?: string;
  passed: boolean;
  notes?: string[];
  then?: { type: "sign"; image: string; jobId: string }[];
}
