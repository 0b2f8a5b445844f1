// A tick job names its entry by id and is read afresh, so the entry may be gone by the time the
// tick runs (deleted through the API while its scheduler was being upserted).
import type { Logger } from "../logger.js";
import type { EntrySource } from "./entry.js";

export interface TickedEntries<E> {
  find(id: string): Promise<E | undefined>;
  unschedule(id: string): Promise<void>;
}

/** The entry a tick is for, or undefined (logged) when there is none and the tick is to be skipped. */
export async function entryOfTick<E>(entries: TickedEntries<E>, noun: string, id: string, source: EntrySource, logger: Logger): Promise<E | undefined> {
  const entry = await entries.find(id);
  if (entry) return entry;
  // An API entry that is gone: drop its scheduler. A config entry this process does not know
  // may be one a newer process (with a newer config file) scheduled: leave it alone.
  if (source === "api") await entries.unschedule(id);
  logger.warn({ [noun]: id, source }, `tick of an unknown ${noun} skipped`);
  return undefined;
}
