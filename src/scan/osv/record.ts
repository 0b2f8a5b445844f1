// The parts of an OSV record (schema 1.7.x) the store reads, checked once when a record is
// loaded. Unknown fields pass through untouched: osv.dev adds database_specific freely.
import { z } from "zod";
import { RegopsError } from "../../errors.js";

const eventSchema = z.looseObject({
  introduced: z.string().optional(),
  fixed: z.string().optional(),
  last_affected: z.string().optional(),
  limit: z.string().optional(),
});

const severitySchema = z.looseObject({ type: z.string(), score: z.string() });

const rangeSchema = z.looseObject({
  type: z.string(),
  repo: z.string().optional(),
  events: z.array(eventSchema),
});

const affectedSchema = z.looseObject({
  package: z.looseObject({ ecosystem: z.string(), name: z.string(), purl: z.string().optional() }).optional(),
  severity: z.array(severitySchema).optional(),
  ranges: z.array(rangeSchema).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export const osvRecordSchema = z.looseObject({
  schema_version: z.string().optional(),
  id: z.string().min(1),
  modified: z.string().min(1),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severitySchema).optional(),
  affected: z.array(affectedSchema).optional(),
  references: z.array(z.looseObject({ type: z.string(), url: z.string() })).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export type OsvRecord = z.infer<typeof osvRecordSchema>;
export type OsvAffected = z.infer<typeof affectedSchema>;
export type OsvRange = z.infer<typeof rangeSchema>;
export type OsvEvent = z.infer<typeof eventSchema>;
export type OsvSeverityEntry = z.infer<typeof severitySchema>;

/** Parses one record; `where` names the file (and zip entry) for the error message. */
export function parseOsvRecord(json: unknown, where: string): OsvRecord {
  const parsed = osvRecordSchema.safeParse(json);
  if (!parsed.success) {
    throw new RegopsError("SCANNER_DB_INVALID", `failed to read OSV record ${where}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** CVE ids of a record: OSV puts them in `aliases`, DLA/ALPINE records in `upstream`. */
export function cveIds(record: OsvRecord): string[] {
  const all = [...(record.aliases ?? []), ...(record.upstream ?? [])];
  return [...new Set(all.filter((id) => /^CVE-\d{4}-\d+$/.test(id)))];
}
