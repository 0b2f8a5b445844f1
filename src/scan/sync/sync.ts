// The `scanner-db` job's work: bring `<into>/<ecosystem>/all.zip` up to date with the mirror,
// one ecosystem after another. A new export is read through (every record parsed, as the
// store will) before it replaces the installed one with a rename, so a truncated download or
// a broken mirror never leaves the scanner with fewer advisories than it had. Readers skip
// the hidden temporary and state files.
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { readZip, ZipLimitError } from "../osv/read.js";
import { scannerSyncSchema, type ScannerSyncConfig } from "../schema.js";
import { fetchExport, MirrorError } from "./mirror.js";
import { readState, writeState } from "./state.js";

export interface EcosystemSync {
  ecosystem: string;
  status: "updated" | "unchanged" | "failed";
  /** Where the export came from. */
  source?: string;
  sha256?: string;
  bytes?: number;
  records?: number;
  error?: string;
  /** A failure that may pass on another try (network, 5xx). */
  retryable?: boolean;
}

export interface SyncOptions {
  ecosystems: readonly string[];
  /** Download even when the mirror's validators say nothing changed. */
  force?: boolean;
  signal: AbortSignal;
  /** A name for temporary files that no concurrent sync uses (the job id). */
  runId: string;
  onProgress?: (p: { ecosystem: string; done: number; total: number }) => void;
}

/** The sync config; the inflation caps may be left out (their defaults apply). */
export type SyncConfig = Omit<ScannerSyncConfig, "maxEntryMiB" | "maxUnzippedMiB"> & Partial<Pick<ScannerSyncConfig, "maxEntryMiB" | "maxUnzippedMiB">>;

const DEFAULT_ENTRY_MIB = scannerSyncSchema.shape.maxEntryMiB.parse(undefined);
const DEFAULT_UNZIPPED_MIB = scannerSyncSchema.shape.maxUnzippedMiB.parse(undefined);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Parses every record of the export; throws what the store would choke on, or a ZipLimitError. */
async function countRecords(path: string, config: SyncConfig): Promise<number> {
  const entryMiB = config.maxEntryMiB ?? DEFAULT_ENTRY_MIB;
  const totalMiB = config.maxUnzippedMiB ?? DEFAULT_UNZIPPED_MIB;
  let n = 0;
  await readZip(path, () => n++, {
    maxEntryBytes: Math.floor(entryMiB * 1048576),
    maxTotalBytes: Math.floor(totalMiB * 1048576),
    entryLimitName: `scanner.sync.maxEntryMiB (${entryMiB} MiB)`,
    totalLimitName: `scanner.sync.maxUnzippedMiB (${totalMiB} MiB)`,
  });
  return n;
}

async function syncOne(config: SyncConfig, ecosystem: string, opts: SyncOptions): Promise<EcosystemSync> {
  const dir = join(config.into, ecosystem);
  await mkdir(dir, { recursive: true });
  const installed = join(dir, "all.zip");
  // What is installed now; `force` only drops the validators, so the same bytes still stay put.
  const previous = (await exists(installed)) ? await readState(dir) : undefined;
  const tmp = join(dir, `.all.zip.${opts.runId}.part`);
  const source = { from: config.from, authorization: config.authorization, maxBytes: config.maxMiB * 1048576 };
  try {
    const got = await fetchExport(source, ecosystem, opts.force ? undefined : previous, tmp, opts.signal);
    const syncedAt = new Date().toISOString();
    if (got.status === "unchanged") {
      return { ecosystem, status: "unchanged", source: got.state.source, sha256: got.state.sha256, bytes: got.state.bytes, records: got.state.records };
    }
    // Same bytes under new validators (a re-upload, a touched file): keep the installed file.
    if (previous && got.sha256 === previous.sha256) {
      await writeState(dir, { ...got.state, records: previous.records, syncedAt }, opts.runId);
      return { ecosystem, status: "unchanged", source: got.state.source, sha256: got.sha256, bytes: got.bytes, records: previous.records };
    }
    let records: number;
    try {
      records = await countRecords(tmp, config);
    } catch (err) {
      if (err instanceof ZipLimitError) throw new MirrorError(`${got.state.source}: ${err.message}; the installed one is kept`, false);
      throw new MirrorError(`${got.state.source}: not a valid OSV export (${(err as Error).message}); the installed one is kept`, false);
    }
    await rename(tmp, installed);
    await writeState(dir, { ...got.state, records, syncedAt }, opts.runId);
    return { ecosystem, status: "updated", source: got.state.source, sha256: got.sha256, bytes: got.bytes, records };
  } catch (err) {
    if (!(err instanceof MirrorError)) throw err;
    return { ecosystem, status: "failed", error: err.message, retryable: err.retryable };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Syncs each ecosystem in turn; one ecosystem's failure does not stop the others. */
export async function syncOsvMirror(config: SyncConfig, opts: SyncOptions): Promise<EcosystemSync[]> {
  const out: EcosystemSync[] = [];
  for (const [i, ecosystem] of opts.ecosystems.entries()) {
    opts.onProgress?.({ ecosystem, done: i, total: opts.ecosystems.length });
    out.push(await syncOne(config, ecosystem, opts));
  }
  return out;
}
