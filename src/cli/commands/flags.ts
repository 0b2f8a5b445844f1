// Small parsers shared by the job commands' flags.
import { CliError, EXIT } from "../exit-codes.js";

/** For repeatable flags: --host a --host b. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function positiveInt(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new CliError(EXIT.usage, `${flag} ${value}: a whole number`);
    return Number(value);
  };
}

/**
 * docker's `--filter key=value` habit, mapped onto the REST spec's `filters` object: keys that
 * the spec lists (label, label!) become arrays, the rest single values. `label!=keep` is
 * key `label!`, value `keep`; `label=tier=web` is key `label`, value `tier=web`.
 */
export function parseFilters(pairs: readonly string[], listKeys: readonly string[]): Record<string, string | string[]> | undefined {
  if (pairs.length === 0) return undefined;
  const filters: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(EXIT.usage, `--filter ${pair}: key=value, e.g. until=720h or label=keep`);
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (listKeys.includes(key)) filters[key] = [...((filters[key] as string[] | undefined) ?? []), value];
    else filters[key] = value;
  }
  return filters;
}

/** Drops undefined fields so the body holds only what the user said; the API fills defaults. */
export function compact<T extends Record<string, unknown>>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as T;
}
