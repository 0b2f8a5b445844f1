// Mercurius keeps parsed documents (with their full syntax trees) in two LRU caches, one for
// documents that validated and one for those that did not. Left at its default (1,024 entries,
// and QuickLRU holds up to twice that), distinct documents within every limit could pin more
// than a gigabyte with a read key. api.graphql.documentCache bounds it: the heap that survives a
// full collection stays flat, however many distinct documents arrive.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, KEYS, startServiceOnOwnRedis, type TestService } from "../helpers/service.js";

// A way to force a full collection without starting vitest's workers with --expose-gc.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let svc: TestService;

beforeAll(async () => {
  svc = await startServiceOnOwnRedis({ role: "api", registries: [] });
});

afterAll(async () => {
  await svc?.close();
});

/** A distinct document near maxTokens (≈ 1,960 tokens) and under maxCost: 240 fields, each with a directive. */
function document(n: number, valid: boolean): string {
  const fields = Array.from({ length: 240 }, () => "__typename @skip(if: false)").join(" ");
  // An unknown argument makes it a validation failure, which Mercurius caches apart.
  return `query Q${n} { ${fields} ${valid ? "" : "jobs(nope: 1) { nextCursor }"} }`;
}

async function send(query: string): Promise<number> {
  const res = await fetch(`${svc.url}/graphql`, {
    method: "POST",
    headers: { ...auth(KEYS.read), "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  await res.arrayBuffer();
  return res.status;
}

function retainedHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe("graphql document cache", () => {
  it("when 1,200 distinct documents within every limit arrive, then the heap kept after a collection grows by less than 64 MiB", async () => {
    // warm up: the schema, JIT and route caches are not what is measured
    for (let i = 0; i < 50; i++) await send(document(100_000 + i, true));
    const before = retainedHeap();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1200; i++) {
      const status = await send(document(i, i % 3 !== 0));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const grown = (retainedHeap() - before) / 2 ** 20;
    console.warn(`graphql document cache: 1,200 distinct documents, retained heap +${grown.toFixed(1)} MiB; answers ${JSON.stringify([...statuses])}`);
    expect(statuses.get(200)).toBe(800);
    expect(statuses.get(400)).toBe(400);
    expect(grown).toBeLessThan(64);
  }, 300_000);
});
