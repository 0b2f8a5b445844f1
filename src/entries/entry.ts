// A configured entry (a watch, a schedule, a registry): written in the config file, which the
// API can only read, or added through the API and kept in Redis. When both name the same id the
// config file wins: it is the operator's word, and an API entry may predate the file's.
import { z } from "zod";

export const entrySourceSchema = z
  .enum(["config", "api"])
  .meta({ description: "config: from the config file (read-only here); api: added through this API" });

export type EntrySource = z.infer<typeof entrySourceSchema>;

/** An entry's next tick, as its view shows it. */
export const nextRunAtSchema = z.string().nullable().meta({ description: "When the scheduler runs it next (null: not scheduled)" });

/** An item and where it came from; the dates are those of the API's record. */
export interface Entry<T> {
  item: T;
  source: EntrySource;
  createdAt?: string;
  updatedAt?: string;
}

/** The config file's entries, then the API's whose id the file does not use. */
export function configWins<E>(fromFile: readonly E[], fromApi: readonly E[], idOf: (entry: E) => string): E[] {
  const fileIds = new Set(fromFile.map(idOf));
  return [...fromFile, ...fromApi.filter((e) => !fileIds.has(idOf(e)))];
}
