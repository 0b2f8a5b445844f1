// Fuzzing the real service through its three doors (REST generated from openapi.yaml, GraphQL
// from schema/regops.graphql, webhooks from the shared corpus' payloads), against real Redis and
// a real registry, with role "api" so no fuzzed job runs. Every answer: no 5xx, no crash or
// hang, every 4xx problem+json (GraphQL's documented error shape on /graphql), RSS bounded.
//
// In `npm test`: a fixed-seed share (FUZZ_RUNS default 1000, FUZZ_SEED default 14) that stops at
// the first failure and prints fast-check's shrunk counterexample with its seed and path.
// `npm run fuzz`: FUZZ_RUNS=20000 and a fresh seed unless FUZZ_SEED is set; it keeps going after
// a failure (each failure class reported once, shrunk) so the totals cover every request.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatReport, runFuzz } from "../fuzz/run.js";
import { startFuzzStack, type FuzzStack } from "../fuzz/stack.js";

const FULL = process.env.FUZZ_RUNS !== undefined;
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? (FULL ? Date.now() % 2 ** 31 : 14));
/** The bound on the test process' RSS (the service runs in it, with vitest and fast-check). */
const MAX_RSS_MIB = Number(process.env.FUZZ_MAX_RSS_MIB ?? 1024);
const OPENAPI = fileURLToPath(new URL("../../openapi.yaml", import.meta.url));

let stack: FuzzStack;

beforeAll(async () => {
  stack = await startFuzzStack({ shielded: FULL });
});

afterAll(async () => {
  await stack?.close();
});

describe("fuzz", () => {
  it(
    `when ${RUNS} generated requests reach the REST, GraphQL and webhook doors, then none gets a 5xx, none crashes or hangs, every 4xx is a problem and RSS stays under ${MAX_RSS_MIB} MiB`,
    { timeout: 120_000 + RUNS * 100 },
    async () => {
      // The totals and any failure's counterexample are this test's output (npm run fuzz prints them).
      // eslint-disable-next-line no-console
      const print = (line: string) => console.log(line);
      const report = await runFuzz(stack, { runs: RUNS, seed: SEED, keepGoing: FULL, openapiPath: OPENAPI, doors: process.env.FUZZ_DOORS?.split(","), log: print });
      print(formatReport(report, FULL || process.env.FUZZ_VERBOSE !== undefined));
      expect(report.environment).toBeUndefined();
      const health = await fetch(`${stack.service.url}/healthz`);
      expect(health.status).toBe(200);
      expect(report.failures.map((f) => `${f.kind} (seed ${f.seed})\n${f.report}`)).toEqual([]);
      const { fiveXX, crashes, notProblem4xx, badJson, graphqlInternal } = report;
      expect({ fiveXX, crashes, notProblem4xx, badJson, graphqlInternal }).toEqual({ fiveXX: 0, crashes: 0, notProblem4xx: 0, badJson: 0, graphqlInternal: 0 });
      expect(report.maxRssMiB).toBeLessThan(MAX_RSS_MIB);
      expect(report.sent).toBeGreaterThanOrEqual(RUNS * 0.9);
    },
  );
});
