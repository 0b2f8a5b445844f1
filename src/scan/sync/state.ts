// What the last sync of an ecosystem installed, kept beside the export as a hidden file
// (the OSV reader skips dot-files): the mirror location, its validators (ETag, Last-Modified,
// or a directory's size and mtime) and the export's hash. Kept on disk, not in Redis, because
// it describes the files of this `into` directory, which is what every reader loads.
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface SyncState {
  /** The URL or path the export came from. */
  source: string;
  sha256: string;
  bytes: number;
  etag?: string;
  lastModified?: string;
  /** A directory mirror's `<size>:<mtimeMs>`. */
  stamp?: string;
  /** OSV records in the export, counted when it was checked. */
  records?: number;
  syncedAt?: string;
}

const FILE = ".sync-state.json";

export async function readState(dir: string): Promise<SyncState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, FILE), "utf8")) as SyncState;
  } catch {
    // Missing or unreadable: the next sync downloads afresh, which is always safe.
    return undefined;
  }
}

export async function writeState(dir: string, state: SyncState, suffix: string): Promise<void> {
  const tmp = join(dir, `${FILE}.${suffix}`);
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, join(dir, FILE));
}
