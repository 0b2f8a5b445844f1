// The fuzz loop: fast-check generates requests for the three doors (REST from openapi.yaml,
// GraphQL from the SDL, webhooks from the corpus), each is sent to the running service and its
// answer judged. A failure is shrunk by fast-check and reported with its seed and path. With
// keepGoing (npm run fuzz) a failure's class (kind + route) is noted and the run goes on with the
// next seed, so one bug does not hide the others and the totals cover every request.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { corpus } from "../helpers/corpus.js";
import { graphqlRequests } from "./graphql.js";
import { hostileString } from "./hostile.js";
import { send, type FuzzRequest } from "./request.js";
import { restRequests } from "./rest.js";
import type { FuzzStack } from "./stack.js";
import { judge } from "./verdict.js";
import { webhookRequests } from "./webhooks.js";

export interface FuzzOptions {
  runs: number;
  seed: number;
  keepGoing: boolean;
  openapiPath: string;
  /** Only these doors (rest, graphql, webhook); all when absent. */
  doors?: string[];
  log?: (line: string) => void;
}

export interface FuzzFailure {
  kind: string;
  seed: number;
  /** fast-check's report: seed, path and the shrunk counterexample. */
  report: string;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  unsendable: number;
  byDoor: Record<string, number>;
  byStatus: Record<string, number>;
  /** Per door and route: answers by class (2xx, 4xx ...), to see how deep the generators reach. */
  byRoute: Record<string, Record<string, number>>;
  /** Per route: 4xx answers by status, code and first field named. */
  refusals: Record<string, Record<string, number>>;
  fiveXX: number;
  crashes: number;
  notProblem4xx: number;
  badJson: number;
  /** GraphQL errors without a regops code raised while executing (REST's 500). */
  graphqlInternal: number;
  /** Documented 502s of a registry the fuzzer itself pointed somewhere unreachable. */
  upstream: number;
  upstreamCodes: Record<string, number>;
  restOperations: number;
  maxRssMiB: number;
  /** RSS in MiB after every RSS_EVERY requests: bounded means it levels off. */
  rssTimeline: number[];
  /** JS heap used after a full GC, at the same points. */
  heapTimeline: number[];
  failures: FuzzFailure[];
  /** Set when the run stopped because the test stack itself failed (Redis gone), not the service. */
  environment?: string;
  seconds: number;
}

const MiB = 1024 * 1024;
const POOL_MAX = 500;

// A full GC on demand, without starting node with --expose-gc.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
const RSS_EVERY = 1000;

export async function runFuzz(stack: FuzzStack, opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const pool: string[] = [];
  const hosts = stack.registryHosts;
  const refs = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...hosts), fc.constantFrom("team/app", "library/x", "a/b/c"), fc.constantFrom(":v1", ":latest", ":1.2.3", `@sha256:${"a".repeat(64)}`)).map(([h, r, t]) => `${h}/${r}${t}`) },
    { weight: 1, arbitrary: fc.constantFrom("UPPER/Case:1", `${hosts[0]}/${"a".repeat(300)}:t`, "127.0.0.1:99999/x:y", `${hosts[0]}/../x:y`, "x:tag@sha256:bad", "unconfigured.invalid:5000/a:b", "a:b:c", "", " ") },
    { weight: 1, arbitrary: hostileString },
  );
  const urls = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...stack.freeRegistryUrls) },
    { weight: 1, arbitrary: fc.constantFrom("file:///etc/passwd", "http://169.254.169.254/latest", "gopher://127.0.0.1:6379/_PING", "javascript:alert(1)", "http://user:pass@127.0.0.1:1", "http://[::1]:1", "ftp://x", "http://", "https://a b", `http://${hosts[0]}/v2/../../`) },
    { weight: 1, arbitrary: hostileString },
  );
  const ids = fc.oneof(fc.nat({ max: 1000 }).map((n) => `{{pool:${n}}}`), fc.uuid(), fc.constantFrom(...["default", "distribution", "harbor", "nohook"]));
  const rest = restRequests(opts.openapiPath, { refs, urls }, ids);
  const registryIds = ["dockerhub", "harbor", "distribution", "gitlab", "quay", "ghcr", "acr", "ecr", "gar", "jfrog", "nexus", "generic"];
  const doors = [
    { door: "rest", weight: 5, arbitrary: rest.arbitrary },
    { door: "graphql", weight: 3, arbitrary: graphqlRequests({ refs, ids }) },
    // The webhook door replays the corpus' real payloads; a bare clone has none (corpus-setup.ts says so).
    ...(corpus ? [{ door: "webhook", weight: 2, arbitrary: webhookRequests(registryIds) }] : []),
  ].filter((d) => !opts.doors || opts.doors.includes(d.door));
  const requests: fc.Arbitrary<FuzzRequest> = fc.oneof(...doors);

  const report: FuzzReport = {
    seed: opts.seed, sent: 0, unsendable: 0, byDoor: {}, byStatus: {}, byRoute: {}, refusals: {}, fiveXX: 0, crashes: 0, notProblem4xx: 0, badJson: 0, graphqlInternal: 0, upstream: 0, upstreamCodes: {},
    restOperations: rest.operations, maxRssMiB: 0, rssTimeline: [], heapTimeline: [], failures: [], seconds: 0,
  };
  const known = new Set<string>();
  const onCrash = () => void report.crashes++;
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);

  const property = fc.asyncProperty(requests, async (req) => {
    if (report.environment) return true;
    const outcome = await send(stack.service.url, req, pool);
    if (outcome.kind === "unsendable") {
      report.unsendable++;
      return true;
    }
    report.sent++;
    const door = req.label.split(" ")[0]!;
    report.byDoor[door] = (report.byDoor[door] ?? 0) + 1;
    if (report.sent % 25 === 0) report.maxRssMiB = Math.max(report.maxRssMiB, process.memoryUsage().rss / MiB);
    if (report.sent % RSS_EVERY === 0) {
      report.rssTimeline.push(Math.round(process.memoryUsage().rss / MiB));
      // What is still held after a full collection: a leak grows this, garbage does not.
      collectGarbage();
      report.heapTimeline.push(Math.round(process.memoryUsage().heapUsed / MiB));
    }
    let failure: string | undefined;
    let kind = "";
    if (outcome.kind === "no-answer") {
      report.crashes++;
      kind = `no-answer ${req.label}`;
      failure = `${kind}: ${outcome.reason}`;
    } else {
      const { answer } = outcome;
      report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1;
      const route = (report.byRoute[req.label] ??= {});
      const bucket = `${Math.floor(answer.status / 100)}xx`;
      route[bucket] = (route[bucket] ?? 0) + 1;
      if (answer.status >= 400 && answer.status < 500) {
        const p = parseLoose(answer.body) as { code?: string; errors?: { field?: string }[] } | undefined;
        const why = `${answer.status} ${p?.code ?? "?"}${p?.errors?.[0]?.field ? ` ${p.errors[0].field}` : ""}`;
        const reasons = (report.refusals[req.label] ??= {});
        reasons[why] = (reasons[why] ?? 0) + 1;
      }
      // The documented 503 while Redis is down: only a failure when Redis is in fact up.
      if (answer.status === 503 && answer.body.includes('"SERVICE_UNAVAILABLE"') && !(await stack.redisAlive())) {
        report.environment = `Redis stopped answering after ${report.sent} requests (its container was removed or died); the run was stopped`;
        return true;
      }
      const verdict = judge(req, answer);
      if (verdict.ok) {
        if (verdict.upstream) {
          report.upstream++;
          report.upstreamCodes[verdict.upstream] = (report.upstreamCodes[verdict.upstream] ?? 0) + 1;
        }
        if (answer.status < 300) collectIds(answer.body, pool);
      } else {
        if (verdict.class === "5xx") report.fiveXX++;
        else if (verdict.class === "4xx-not-problem") report.notProblem4xx++;
        else if (verdict.class === "graphql-internal") report.graphqlInternal++;
        else report.badJson++;
        kind = `${verdict.class} ${answer.status} ${req.label}`;
        failure = `${kind}: ${verdict.why}`;
      }
    }
    if (!failure) return true;
    if (known.has(kind)) return true;
    throw new FuzzError(kind, failure);
  });

  let seed = opts.seed;
  let remaining = opts.runs;
  while (remaining > 0) {
    const before = report.sent + report.unsendable;
    const details = await fc.check(property, { seed, numRuns: remaining });
    remaining -= details.numRuns;
    if (report.environment || !details.failed) break;
    const kind = details.errorInstance instanceof FuzzError ? details.errorInstance.kind : `property threw: ${String(details.errorInstance)}`;
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    const failure = { kind, seed, report: compact(`${fc.defaultReportMessage(details) ?? ""}\nError: ${error}`) };
    report.failures.push(failure);
    opts.log?.(`FAILURE (seed ${seed}, path ${details.counterexamplePath ?? ""}): ${kind}\n${failure.report}`);
    if (!opts.keepGoing) break;
    known.add(kind);
    // Shrinking replays count as requests too: they were sent.
    if (report.sent + report.unsendable === before) break;
    seed += 1;
  }
  process.off("uncaughtException", onCrash);
  process.off("unhandledRejection", onCrash);
  report.maxRssMiB = Math.round(Math.max(report.maxRssMiB, process.memoryUsage().rss / MiB));
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  return report;
}

/** Long runs of one character (the huge strings) shortened, so a report stays readable. */
function compact(text: string): string {
  return text.replace(/(.)\1{63,}/gs, (run, c: string) => `${c.repeat(8)}…(${run.length} × ${JSON.stringify(c)})`);
}

class FuzzError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

function parseLoose(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function collectIds(body: string, pool: string[]): void {
  if (body.length > MiB || !body.startsWith("{")) return;
  let value: { id?: unknown; items?: { id?: unknown }[]; jobs?: { id?: unknown }[] };
  try {
    value = JSON.parse(body) as typeof value;
  } catch {
    return;
  }
  const add = (id: unknown) => {
    if (typeof id !== "string" || !/^[\w.:-]{1,100}$/.test(id) || pool.includes(id)) return;
    if (pool.length >= POOL_MAX) pool.shift();
    pool.push(id);
  };
  add(value.id);
  for (const item of [...(Array.isArray(value.items) ? value.items : []), ...(Array.isArray(value.jobs) ? value.jobs : [])].slice(0, 20)) add(item?.id);
}

export function formatReport(r: FuzzReport, verbose = false): string {
  const routes = Object.entries(r.byRoute)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, n]) => {
      const top = Object.entries(r.refusals[route] ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 3);
      return `    ${route}: ${Object.entries(n).sort().map(([c, k]) => `${c} ${k}`).join(", ")}${top.length ? ` (most refused: ${top.map(([w, k]) => `${w} ×${k}`).join("; ")})` : ""}`;
    });
  return [
    `fuzz seed ${r.seed}: ${r.sent} requests sent in ${r.seconds} s (${Object.entries(r.byDoor).map(([d, n]) => `${d} ${n}`).join(", ")}; ${r.restOperations} REST operations from openapi.yaml; ${r.unsendable} not sendable by Node's client)`,
    `  statuses: ${Object.entries(r.byStatus).map(([s, n]) => `${s}×${n}`).join(" ")}`,
    ...(verbose ? ["  by route:", ...routes] : []),
    `  5xx: ${r.fiveXX}   crashes: ${r.crashes}   4xx not problem+json: ${r.notProblem4xx}   bad JSON: ${r.badJson}   GraphQL internal errors: ${r.graphqlInternal}   documented upstream 502s: ${r.upstream}${r.upstream ? ` (${Object.entries(r.upstreamCodes).map(([c, n]) => `${c} ×${n}`).join(", ")})` : ""}`,
    `  max RSS: ${r.maxRssMiB} MiB (sampled every 25 requests; every ${RSS_EVERY}: ${r.rssTimeline.join(" ") || "-"} MiB; JS heap after a full GC: ${r.heapTimeline.join(" ") || "-"} MiB)`,
    ...r.failures.map((f) => `  FAILED ${f.kind} (seed ${f.seed})`),
    ...(r.environment ? [`  STOPPED: ${r.environment}`] : []),
  ].join("\n");
}
