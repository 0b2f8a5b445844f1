// Reads OSV records from what the config names: single JSON files, directories of them
// (recursively; zips inside are read too), and osv.dev's per-ecosystem `<ecosystem>/all.zip`
// exports. Yields every record, withdrawn ones included: skipping is the store's rule.
// Hidden files and directories (dot-names) are skipped.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import { RegopsError } from "../../errors.js";
import { parseOsvRecord, type OsvRecord } from "./record.js";

/** A source that cannot be read as OSV data: the message names it, the original is the cause. */
function invalid(message: string, opts: { cause: unknown }): RegopsError {
  return new RegopsError("SCANNER_DB_INVALID", message, opts);
}

interface InputFile {
  path: string;
  size: number;
  mtimeMs: number;
}

async function listInputs(source: string, out: InputFile[]): Promise<void> {
  const st = await stat(source);
  if (st.isDirectory()) {
    // Hidden names are not inputs: a scanner-db sync keeps its partial downloads and state there.
    const names = (await readdir(source)).filter((n) => !n.startsWith(".")).sort();
    for (const name of names) {
      const path = join(source, name);
      const child = await stat(path).catch((err: NodeJS.ErrnoException) => {
        // Removed between readdir and stat: it is simply not an input any more.
        if (err.code === "ENOENT") return undefined;
        throw err;
      });
      if (child && (child.isDirectory() || /\.(json|zip)$/i.test(name))) await listInputs(path, out);
    }
    return;
  }
  out.push({ path: source, size: st.size, mtimeMs: st.mtimeMs });
}

/** Caps on what a zip may inflate to (scanner.sync.maxEntryMiB / maxUnzippedMiB for a sync). */
export interface ZipLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** How the limits are named in errors, e.g. `scanner.sync.maxEntryMiB (32 MiB)`. */
  entryLimitName: string;
  totalLimitName: string;
}

/** A zip that inflates past a ZipLimits cap. */
export class ZipLimitError extends Error {}

/** An entry's bytes, read chunk by chunk and cut off (stream destroyed) past `max`. */
function readStream(stream: Readable, max = Infinity, tooLarge: () => Error = () => new ZipLimitError("too large")): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on("data", (c: Buffer) => {
      bytes += c.length;
      if (bytes > max) {
        stream.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    stream.on("error", reject);
    stream.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

function parseJson(text: Buffer | string, where: string): OsvRecord {
  let json: unknown;
  try {
    json = JSON.parse(text.toString());
  } catch (err) {
    throw invalid(`failed to parse OSV JSON ${where}: ${(err as Error).message}`, { cause: err });
  }
  return parseOsvRecord(json, where);
}

/**
 * Every `*.json` entry of a zip, one at a time (osv.dev exports hold 100k+ small files). With
 * `limits`, an entry is refused on its declared size before it is inflated, and cut off while
 * inflating (a header may lie) past the per-entry cap; the total is counted the same way.
 */
export function readZip(path: string, onRecord: (record: OsvRecord) => void, limits?: ZipLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err) return reject(invalid(`failed to open OSV zip ${path}: ${err.message}`, { cause: err }));
      let total = 0;
      const fail = (e: Error) => {
        zip.close();
        reject(e);
      };
      const entryTooLarge = (name: string) => new ZipLimitError(`${name} inflates past ${limits?.entryLimitName}`);
      const totalTooLarge = () => new ZipLimitError(`the export inflates past ${limits?.totalLimitName}`);
      zip.on("error", (e: Error) => fail(invalid(`failed to read OSV zip ${path}: ${e.message}`, { cause: e })));
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith(".json")) return zip.readEntry();
        if (limits && entry.uncompressedSize > limits.maxEntryBytes) return fail(entryTooLarge(entry.fileName));
        if (limits && total + entry.uncompressedSize > limits.maxTotalBytes) return fail(totalTooLarge());
        zip.openReadStream(entry, (e, stream) => {
          if (e) return fail(invalid(`failed to read ${path}!${entry.fileName}: ${e.message}`, { cause: e }));
          const room = limits ? Math.min(limits.maxEntryBytes, limits.maxTotalBytes - total) : Infinity;
          readStream(stream, room, () => (limits && room < limits.maxEntryBytes ? totalTooLarge() : entryTooLarge(entry.fileName)))
            .then((buf) => {
              total += buf.length;
              onRecord(parseJson(buf, `${path}!${entry.fileName}`));
              zip.readEntry();
            })
            .catch((e2: unknown) => fail(e2 as Error));
        });
      });
      zip.readEntry();
    });
  });
}

export interface Inputs {
  files: InputFile[];
  /** A hash over every input file's path, size and mtime: changes when any input does. */
  dbVersion: string;
}

/** Lists the input files and hashes their stat data, without reading them. */
export async function fingerprint(sources: readonly string[]): Promise<Inputs> {
  const files: InputFile[] = [];
  for (const source of sources) {
    try {
      await listInputs(source, files);
    } catch (err) {
      throw invalid(`failed to read OSV source ${source}: ${(err as Error).message}`, { cause: err });
    }
  }
  const hash = createHash("sha256");
  for (const f of files) hash.update(`${f.path}\t${f.size}\t${f.mtimeMs}\n`);
  return { files, dbVersion: `sha256:${hash.digest("hex")}` };
}

export async function readInputs(inputs: Inputs): Promise<OsvRecord[]> {
  const records: OsvRecord[] = [];
  for (const { path } of inputs.files) {
    if (/\.zip$/i.test(path)) await readZip(path, (r) => records.push(r));
    else records.push(parseJson(await readFile(path), path));
  }
  return records;
}
