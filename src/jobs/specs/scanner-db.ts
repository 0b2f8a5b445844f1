// The scanner-db job: refresh the built-in scanner's OSV advisories from the configured mirror.
import { z } from "zod";

export const scannerDbSpec = z
  .strictObject({
    type: z.literal("scanner-db"),
    ecosystems: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "Only these of scanner.sync.ecosystems; default every one of them" }),
    force: z.boolean().optional().meta({ description: "Download even when the mirror says an export did not change (ETag, Last-Modified, or a directory's size and mtime)" }),
  })
  .meta({ id: "ScannerDbSpec", description: "Refresh the built-in scanner's OSV advisories from scanner.sync's mirror; admin scope" });

export type ScannerDbSpec = z.infer<typeof scannerDbSpec>;

/** The result a scanner-db job stores. */
export interface ScannerDbResult {
  from: string;
  ecosystems: { ecosystem: string; status: "updated" | "unchanged" | "failed"; source?: string; sha256?: string; bytes?: number; records?: number; error?: string }[];
  updated: number;
  unchanged: number;
  /** The database the workers use now (GET /v1/scanner/db). */
  dbVersion: string;
  records: number;
}
