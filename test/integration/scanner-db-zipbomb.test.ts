// The OSV sync against zip bombs, from a directory mirror: an entry that inflates far past its
// compressed size, an entry whose header understates its size, and an export whose entries
// together inflate too much. Each sync fails with an error naming the scanner.sync key, the
// installed export stays (and still loads), and the process does not take the inflated bytes.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createDeflateRaw, crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { OsvStore } from "../../src/scan/osv/store.js";
import { syncOsvMirror, type SyncConfig } from "../../src/scan/sync/sync.js";
import { zip, zipOf } from "../helpers/zip.js";

const MIB = 1024 * 1024;
const mirrorDir = mkdtempSync(join(tmpdir(), "regops-zipbomb-mirror-"));
const into = mkdtempSync(join(tmpdir(), "regops-zipbomb-into-"));
const config: SyncConfig = { from: mirrorDir, into, ecosystems: ["Alpine"], maxMiB: 16 };
const installed = join(into, "Alpine", "all.zip");
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
let run = 0;
const sync = (over: Partial<SyncConfig> = {}) => syncOsvMirror({ ...config, ...over }, { ecosystems: ["Alpine"], signal: new AbortController().signal, runId: `r${run++}` });

function advisory(id: string, details = "") {
  return {
    schema_version: "1.6.0",
    id,
    modified: "2026-11-20T00:00:00Z",
    details,
    affected: [{ package: { ecosystem: "Alpine:v3.19", name: "musl" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "1.2.4-r9" }] }] }],
  };
}

function publish(content: Buffer): void {
  mkdirSync(join(mirrorDir, "Alpine"), { recursive: true });
  writeFileSync(join(mirrorDir, "Alpine", "all.zip"), content);
}

/**
 * A one-entry zip of `size` zero bytes, deflated as a stream (the test never holds them);
 * `declared` is the size its headers claim (a liar says less).
 */
async function bomb(size: number, declared = size): Promise<Buffer> {
  const chunk = Buffer.alloc(MIB);
  let crc = 0;
  const packed = await buffer(
    Readable.from(
      (function* () {
        for (let i = 0; i < size / MIB; i++) {
          crc = crc32(chunk, crc);
          yield chunk;
        }
      })(),
    ).pipe(createDeflateRaw({ level: 9 })),
  );
  return zipOf([{ name: "ALPINE-BOMB.json", packed, crc, size: declared }]);
}

const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;

describe("scanner-db sync against zip bombs", () => {
  it("when an export's entry inflates from 400 KB to 400 MiB, then the sync fails naming scanner.sync.maxEntryMiB, the installed export stays, and RSS does not grow by the entry", async () => {
    publish(zip({ "ALPINE-1.json": JSON.stringify(advisory("ALPINE-1")) }));
    expect((await sync())[0]).toMatchObject({ status: "updated", records: 1 });
    const before = sha(installed);

    const blob = await bomb(400 * MIB);
    expect(blob.length).toBeLessThan(500_000);
    publish(blob);
    const rssBefore = maxRssMiB();
    const [result] = await sync();
    const grown = maxRssMiB() - rssBefore;
    console.warn(`zip bomb (400 MiB entry): peak RSS ${Math.round(maxRssMiB())} MiB, grown by ${Math.round(grown)} MiB during the sync`);
    expect(result).toMatchObject({ status: "failed", retryable: false });
    expect(result!.error).toContain("ALPINE-BOMB.json inflates past scanner.sync.maxEntryMiB (32 MiB); the installed one is kept");
    expect(grown).toBeLessThan(64);
    expect(sha(installed)).toBe(before);
    expect((await OsvStore.load([into])).size).toBe(1);
  });

  it("when an entry's headers understate its size, then inflating stops at the cap and the sync fails", async () => {
    const before = sha(installed);
    publish(await bomb(64 * MIB, 1000));
    const rssBefore = maxRssMiB();
    const [result] = await sync({ maxEntryMiB: 4 });
    expect(maxRssMiB() - rssBefore).toBeLessThan(32);
    expect(result).toMatchObject({ status: "failed", retryable: false });
    expect(result!.error).toMatch(/ALPINE-BOMB\.json|too many bytes|scanner\.sync\.maxEntryMiB/);
    expect(sha(installed)).toBe(before);
  });

  it("when the entries together inflate past scanner.sync.maxUnzippedMiB, then the sync fails naming it", async () => {
    const before = sha(installed);
    const big = "d".repeat(MIB);
    publish(zip(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`ALPINE-${i}.json`, JSON.stringify(advisory(`ALPINE-${i}`, big))]))));
    const [result] = await sync({ maxUnzippedMiB: 4 });
    expect(result).toMatchObject({ status: "failed", retryable: false });
    expect(result!.error).toContain("the export inflates past scanner.sync.maxUnzippedMiB (4 MiB); the installed one is kept");
    expect(sha(installed)).toBe(before);
    // Within the caps the same export installs.
    expect((await sync({ maxUnzippedMiB: 8 }))[0]).toMatchObject({ status: "updated", records: 6 });
  });
});
