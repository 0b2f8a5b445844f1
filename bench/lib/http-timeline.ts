// BENCH_TRACE=1 in bench/retag: a timeline of the HTTP requests this process sends to the given
// origins (regops' registry calls; every HTTP client here is undici), from undici's diagnostics
// channels: when each request was created, its body fully sent, its response headers and the
// end of its response body. Shows where a copy's wall time goes: round trips before the bytes
// move, blobs waiting for a free slot, the one big layer left at the end.
import { subscribe, unsubscribe } from "node:diagnostics_channel";

interface Entry {
  method: string;
  path: string;
  status?: number;
  created: number;
  bodySent?: number;
  headers?: number;
  done?: number;
}

interface RequestLike {
  origin?: string | URL;
  method?: string;
  path?: string;
}

export function startTimeline(origins: readonly string[]): { stop(): string } {
  const t0 = performance.now();
  const entries = new Map<object, Entry>();
  const ours = (r: RequestLike) => origins.includes(String(r.origin ?? "").replace(/\/$/, ""));
  const on = {
    "undici:request:create": (m: unknown) => {
      const { request } = m as { request: RequestLike };
      if (!ours(request)) return;
      entries.set(request, { method: request.method ?? "?", path: request.path ?? "?", created: performance.now() - t0 });
    },
    "undici:request:bodySent": (m: unknown) => {
      const e = entries.get((m as { request: object }).request);
      if (e) e.bodySent = performance.now() - t0;
    },
    "undici:request:headers": (m: unknown) => {
      const { request, response } = m as { request: object; response: { statusCode: number } };
      const e = entries.get(request);
      if (e) {
        e.headers = performance.now() - t0;
        e.status = response.statusCode;
      }
    },
    "undici:request:trailers": (m: unknown) => {
      const e = entries.get((m as { request: object }).request);
      if (e) e.done = performance.now() - t0;
    },
  };
  for (const [name, fn] of Object.entries(on)) subscribe(name, fn);
  return {
    stop() {
      for (const [name, fn] of Object.entries(on)) unsubscribe(name, fn);
      const f = (x?: number) => (x === undefined ? "-" : x.toFixed(0)).padStart(6);
      const short = (p: string) => p.replace(/sha256:([0-9a-f]{8})[0-9a-f]+/g, "$1…").replace(/\?.*$/, "?…").slice(0, 70);
      return [
        "   created  bodySent  headers   done  status  request (ms from the job's start)",
        ...[...entries.values()].map((e) => `    ${f(e.created)}    ${f(e.bodySent)}   ${f(e.headers)} ${f(e.done)}   ${String(e.status ?? "-").padStart(5)}  ${e.method} ${short(e.path)}`),
      ].join("\n");
    },
  };
}
