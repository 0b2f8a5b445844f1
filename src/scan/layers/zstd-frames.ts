// Reads the frame and block headers of a zstd stream, without decoding it, for two things fzstd
// does not do. (1) Refuse a frame whose window is larger than the limit before fzstd sees it:
// fzstd allocates the whole window a frame header declares (up to 2 GiB) and slides it on every
// block, so a 20-byte header could make it take 2 GiB. (2) Say where to cut the input so that
// each piece decodes to a bounded amount: fzstd decodes all it is given in one synchronous call,
// and a 4-byte RLE block is 128 KiB of output, so 33 KB of input can be 1 GiB at once. Headers
// only (RFC 8878 §3.1): magic, frame header, 3-byte block headers, checksum, skippable frames.

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
/** Largest output of one compressed block (Block_Maximum_Size). */
const MAX_BLOCK_OUTPUT = 128 * 1024;

type State =
  | { at: "magic" }
  | { at: "descriptor" }
  | { at: "header"; descriptor: number }
  | { at: "block" }
  | { at: "skippable-size" }
  | { at: "skip"; bytes: number; then: "block" | "magic" | "checksum"; block?: boolean }
  | { at: "checksum" };

export class ZstdFrameGuard {
  private state: State = { at: "magic" };
  private head = Buffer.alloc(0);
  private checksum = false;
  /** Output the blocks since the last cut decode to, at most. */
  private pending = 0;

  /**
   * `onTooLarge(window)` returns the error to throw for a frame asking for `window` bytes;
   * `cutAt`: the output after which push() proposes a cut.
   */
  constructor(
    private readonly maxWindow: number,
    private readonly onTooLarge: (window: number) => Error,
    private readonly cutAt = 4 * 1024 * 1024,
  ) {}

  /**
   * Feeds the next compressed bytes; throws when a frame asks for too large a window. Returns
   * offsets in `chunk`, each just after a block, where the output since the previous cut
   * reached `cutAt`.
   */
  push(chunk: Uint8Array): number[] {
    const cuts: number[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const s = this.state;
      if (s.at === "skip") {
        const n = Math.min(s.bytes, chunk.length - pos);
        pos += n;
        s.bytes -= n;
        if (s.bytes === 0) {
          this.state = s.then === "checksum" ? { at: "checksum" } : { at: s.then };
          if (s.block && this.pending >= this.cutAt) {
            cuts.push(pos);
            this.pending = 0;
          }
        }
        continue;
      }
      if (s.at === "checksum") {
        this.state = this.checksum ? { at: "skip", bytes: 4, then: "magic" } : { at: "magic" };
        continue;
      }
      const need = this.needs(s);
      const take = Math.min(need - this.head.length, chunk.length - pos);
      this.head = Buffer.concat([this.head, chunk.subarray(pos, pos + take)]);
      pos += take;
      if (this.head.length < need) return cuts;
      const bytes = this.head;
      this.head = Buffer.alloc(0);
      this.advance(s, bytes);
    }
    return cuts;
  }

  private needs(s: State): number {
    switch (s.at) {
      case "magic":
      case "skippable-size":
        return 4;
      case "descriptor":
        return 1;
      case "header":
        return headerLength(s.descriptor);
      default:
        return 3; // block header
    }
  }

  private advance(s: State, b: Buffer): void {
    if (s.at === "magic") {
      const magic = b.readUInt32LE(0);
      if (magic === ZSTD_MAGIC) this.state = { at: "descriptor" };
      else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) this.state = { at: "skippable-size" };
      else throw new Error("not a zstd frame");
    } else if (s.at === "skippable-size") {
      this.state = { at: "skip", bytes: b.readUInt32LE(0), then: "magic" };
    } else if (s.at === "descriptor") {
      const d = b[0]!;
      this.checksum = (d & 4) !== 0;
      this.state = headerLength(d) === 0 ? { at: "block" } : { at: "header", descriptor: d };
    } else if (s.at === "header") {
      const window = windowSize(s.descriptor, b);
      if (window > this.maxWindow) throw this.onTooLarge(window);
      this.state = { at: "block" };
    } else {
      const h = b[0]! | (b[1]! << 8) | (b[2]! << 16);
      const last = (h & 1) === 1;
      const type = (h >> 1) & 3;
      if (type === 3) throw new Error("zstd block of the reserved type");
      const size = h >>> 3;
      const bytes = type === 1 ? 1 : size; // an RLE block is one byte repeated `size` times
      this.pending += type === 2 ? MAX_BLOCK_OUTPUT : size;
      this.state = { at: "skip", bytes, then: last ? "checksum" : "block", block: true };
      if (bytes === 0) this.state = last ? { at: "checksum" } : { at: "block" };
    }
  }
}

const singleSegment = (d: number) => (d & 0x20) !== 0;
const dictBytes = (d: number) => [0, 1, 2, 4][d & 3]!;
const contentSizeBytes = (d: number) => [singleSegment(d) ? 1 : 0, 2, 4, 8][d >> 6]!;

/** Frame header bytes after the descriptor: window descriptor, dictionary id, content size. */
function headerLength(d: number): number {
  return (singleSegment(d) ? 0 : 1) + dictBytes(d) + contentSizeBytes(d);
}

/** The window a decoder needs: the window descriptor's, or the content size of a single segment. */
function windowSize(d: number, b: Buffer): number {
  if (!singleSegment(d)) {
    const exponent = b[0]! >> 3;
    const mantissa = b[0]! & 7;
    const base = 2 ** (10 + exponent);
    return base + (base / 8) * mantissa;
  }
  const at = dictBytes(d);
  const n = contentSizeBytes(d);
  let size = 0;
  for (let i = n - 1; i >= 0; i--) size = size * 256 + b[at + i]!;
  return n === 2 ? size + 256 : size;
}
