import { describe, expect, it } from "vitest";
import { readFromMarker } from "../../src/scan/layers/read.js";

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p, "latin1");
}

describe("streaming search for a marker (Go build info)", () => {
  const marker = Buffer.from("\xff Go buildinf:", "latin1");

  it("when the marker is inside one chunk, then the window starts at it", async () => {
    expect((await readFromMarker(chunks("aaaa\xff Go buildinf:XYZ", "rest"), marker, 10))?.toString("latin1")).toBe("\xff Go build");
  });

  it.each([1, 5, 13])("when the marker is split across chunks (at %i), then it is still found and the window spans chunks", async (cut) => {
    const text = "0123456789\xff Go buildinf:PAYLOAD-after";
    const at = text.indexOf("\xff") + cut;
    const found = await readFromMarker(chunks(text.slice(0, at), text.slice(at, at + 3), text.slice(at + 3)), marker, 21);
    expect(found?.toString("latin1")).toBe("\xff Go buildinf:PAYLOAD");
  });

  it("when chunks are tiny (1 byte), then the marker is found", async () => {
    const text = "zz\xff Go buildinf:abc";
    expect((await readFromMarker(chunks(...text.split("")), marker, 100))?.toString("latin1")).toBe("\xff Go buildinf:abc");
  });

  it("when the marker never appears, then nothing is kept", async () => {
    expect(await readFromMarker(chunks("no marker here", "\xff Go build", "inf? no"), marker, 10)).toBeUndefined();
  });
});
