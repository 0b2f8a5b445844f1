// A minimal zip writer for tests that need an osv.dev-style all.zip. yauzl (what regops reads
// zips with) only reads; no writer is a dependency, and this is 40 lines of the zip spec.
import { crc32, deflateRawSync } from "node:zlib";

/** An entry deflated already: its CRC-32 and the uncompressed size its headers state. */
export interface DeflatedEntry {
  name: string;
  packed: Buffer;
  crc: number;
  /** What the headers claim; a zip bomb test makes it lie. */
  size: number;
}

/** A minimal zip writer (deflate, no data descriptors) so the test can build an osv.dev-style all.zip. */
export function zip(files: Record<string, string>): Buffer {
  return zipOf(
    Object.entries(files).map(([name, text]) => {
      const data = Buffer.from(text);
      return { name, packed: deflateRawSync(data), crc: crc32(data), size: data.length };
    }),
  );
}

/** The zip of entries deflated by the caller (local headers, data, central directory, end record). */
export function zipOf(entries: readonly DeflatedEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, packed, crc, size } of entries) {
    const nameBuf = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, packed);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
