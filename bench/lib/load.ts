// An HTTP load generator on its own thread: POSTs prepared bodies with a fixed number in
// flight for a fixed time. On its own event loop (and so its own core), the client does not
// take CPU from the server it measures, which shares the process.
import { Worker } from "node:worker_threads";

export interface LoadSpec {
  base: string;
  path: string;
  headers: Record<string, string>;
  /**
   * The request body: every occurrence of `counter` is replaced by the request's number, 16
   * hex digits, so every body of a run differs (a new tag, a new digest) however many are sent.
   * Without `counter`, the same body each time.
   */
  body: string;
  counter?: string;
  seconds: number;
  inflight: number;
}

// Plain JavaScript, run with `eval`: the worker needs no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { Pool } = require(workerData.undiciPath);
(async () => {
  const s = workerData.spec;
  const pool = new Pool(s.base, { connections: s.inflight, pipelining: 1 });
  const deadline = Date.now() + s.seconds * 1000;
  let done = 0, failed = 0, next = 0, firstFailure = "";
  // Split once: joining the parts around a number costs the client well under a microsecond.
  const parts = s.counter ? s.body.split(s.counter) : [s.body];
  const started = Date.now();
  await Promise.all(Array.from({ length: s.inflight }, async () => {
    while (Date.now() < deadline) {
      const body = parts.join((next++).toString(16).padStart(16, "0"));
      const res = await pool.request({ method: "POST", path: s.path, headers: s.headers, body });
      const text = await res.body.text();
      if (res.statusCode >= 300) { failed++; firstFailure ||= res.statusCode + " " + text.slice(0, 300); }
      done++;
    }
  }));
  const elapsed = (Date.now() - started) / 1000;
  await pool.close();
  parentPort.postMessage({ done, failed, firstFailure, elapsed });
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

export async function runLoad(spec: LoadSpec): Promise<{ perSecond: number; done: number; failed: number; firstFailure: string }> {
  const undiciPath = (await import.meta.resolve?.("undici")) ?? "undici";
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { spec, undiciPath: new URL(undiciPath).pathname } });
  const result = await new Promise<{ done: number; failed: number; firstFailure: string; elapsed: number; error?: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  if (result.error) throw new Error(result.error);
  return { perSecond: result.done / result.elapsed, done: result.done, failed: result.failed, firstFailure: result.firstFailure };
}
