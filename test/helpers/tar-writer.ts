// A minimal, synchronous tar writer for tests that need many entries or odd ones fast (tens of
// thousands of whiteouts, 2,000-segment paths, a header for a file larger than the test holds):
// ustar headers, with a pax `path`/`linkpath` record when a name does not fit in 100 bytes.

export interface TarItem {
  name: string;
  /** Default "file". */
  type?: "file" | "directory" | "symlink" | "link";
  content?: Buffer | string;
  linkname?: string;
  /** Declared size when `content` is left out (the caller writes the bytes itself, see tarPadding). */
  size?: number;
}

const TYPE_FLAG = { file: "0", link: "1", symlink: "2", directory: "5" } as const;

function octal(buf: Buffer, at: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, "0")}\0`, at, width, "ascii");
}

/** One 512-byte ustar header. */
export function tarHeader(name: string, size: number, flag: string, linkname = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 100, "utf8");
  octal(h, 100, 8, flag === "5" ? 0o755 : 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0);
  h.write(flag, 156, 1, "ascii");
  h.write(linkname.slice(0, 100), 157, 100, "utf8");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

/** Zero bytes that pad `size` bytes of content to a 512-byte block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  while (String(len + String(len).length).length !== String(len).length) len++;
  return `${len + String(len).length}${body}`;
}

/** Header (with a pax header first when a name is long) and content blocks of one entry. */
export function tarEntry(item: TarItem): Buffer[] {
  const content = item.content === undefined ? undefined : Buffer.from(item.content);
  const size = content?.length ?? item.size ?? 0;
  const out: Buffer[] = [];
  const pax = [
    Buffer.byteLength(item.name) > 100 ? paxRecord("path", item.name) : "",
    item.linkname && Buffer.byteLength(item.linkname) > 100 ? paxRecord("linkpath", item.linkname) : "",
  ].join("");
  if (pax) {
    const body = Buffer.from(pax);
    out.push(tarHeader("PaxHeader", body.length, "x"), body, tarPadding(body.length));
  }
  out.push(tarHeader(item.name, size, TYPE_FLAG[item.type ?? "file"], item.linkname));
  if (content) out.push(content, tarPadding(size));
  return out;
}

/** A whole tar archive, with the two zero blocks that end it. */
export function tarOf(items: Iterable<TarItem>): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) parts.push(...tarEntry(item));
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
