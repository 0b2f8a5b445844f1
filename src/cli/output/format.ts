// Reading commands print a table for people and the API's own JSON (or YAML) for programs,
// like kubectl's -o json|yaml|wide. JSON and YAML are the API's answer as it came, so a script
// can rely on the REST schema rather than on the table's layout.
import { Option } from "commander";
import { stringify } from "yaml";
import { CliError, EXIT } from "../exit-codes.js";
import type { Runtime } from "../runtime.js";

export const OUTPUTS = ["table", "wide", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUTS)[number];

export function outputOption(): Option {
  return new Option("-o, --output <format>", "table, wide (more columns), json or yaml").choices(OUTPUTS).default("table");
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** Shown with -o wide only. */
  wide?: boolean;
}

/** Prints `data` as JSON or YAML; false when the format is a table, for the caller to draw. */
export function printStructured(rt: Runtime, format: OutputFormat, data: unknown): boolean {
  if (format === "json") {
    rt.out(JSON.stringify(data, null, 2));
    return true;
  }
  if (format === "yaml") {
    rt.io.stdout.write(stringify(data));
    return true;
  }
  return false;
}

export function printTable<T>(rt: Runtime, format: OutputFormat, rows: readonly T[], columns: readonly Column<T>[]): void {
  const shown = columns.filter((c) => format === "wide" || !c.wide);
  const cells = rows.map((row) => shown.map((c) => cell(c.value(row))));
  const widths = shown.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  rt.out(rt.colours.bold(line(shown.map((c) => c.header.toUpperCase()))));
  for (const r of cells) rt.out(line(r));
}

/** key: value lines for one object, e.g. `regops images get`. */
export function printFields(rt: Runtime, fields: [string, unknown][]): void {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  for (const [k, v] of fields) if (v !== undefined && v !== null && v !== "") rt.out(`${rt.colours.bold(`${k}:`.padEnd(width))} ${cell(v)}`);
}

export function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(cell).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function shortDigest(digest: unknown): string {
  return typeof digest === "string" && digest.startsWith("sha256:") ? digest.slice(0, 19) : cell(digest);
}

export function age(iso: unknown, now = Date.now()): string {
  if (typeof iso !== "string") return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return "";
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function bytes(n: unknown): string {
  if (typeof n !== "number") return "";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function parseOutput(value: string): OutputFormat {
  if ((OUTPUTS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError(EXIT.usage, `-o ${value}: one of ${OUTPUTS.join(", ")}`);
}
