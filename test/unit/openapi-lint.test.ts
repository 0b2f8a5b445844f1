// openapi.yaml through the validators client generators and reviewers use: swagger-parser,
// Redocly CLI (recommended rules) and Spectral (spectral:oas), with 0 errors; every warning
// left is listed in ALLOWED_WARNINGS with why it stays. The CLIs run from node_modules through
// their node entry (no network: telemetry and update checks off). The drift test in
// api.test.ts keeps openapi.yaml equal to what the service serves.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DOC = "openapi.yaml";

interface Finding {
  tool: "redocly" | "spectral";
  rule: string;
  severity: "error" | "warning";
  where: string;
  message: string;
}

// Warnings that stay, each with why. `where` matches the start of the finding's location
// (a JSON pointer into the document, or "" for any).
const ALLOWED_WARNINGS: { tool: Finding["tool"]; rule: string; where: string; why: string }[] = [
  {
    tool: "redocly",
    rule: "operation-4xx-response",
    where: "#/paths/~1healthz/get",
    why: "a liveness probe takes no key and no input: it has no 4xx answer",
  },
  {
    tool: "redocly",
    rule: "operation-4xx-response",
    where: "#/paths/~1readyz/get",
    why: "a readiness probe takes no key and no input: 200 or 503 are its only answers",
  },
  {
    tool: "spectral",
    rule: "operation-description",
    where: "#/paths/",
    why: "operations whose summary says all there is to say; a description repeating it helps no reader",
  },
  {
    tool: "spectral",
    rule: "info-contact",
    where: "#/info",
    why: "each team deploys and runs its own regops: there is no one contact the document could name",
  },
];

const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };

/** A CLI exits non-zero when it finds errors; its JSON report is on stdout either way. */
async function jsonOf(args: string[]): Promise<unknown> {
  const out = await run(process.execPath, args, { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string }) => err);
  return JSON.parse((out as { stdout: string }).stdout);
}

const pointer = (path: (string | number)[]) => `#/${path.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;

async function redocly(): Promise<Finding[]> {
  const report = (await jsonOf(["node_modules/@redocly/cli/bin/cli.js", "lint", DOC, "--format=json"])) as {
    problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
  };
  return report.problems.map((p) => ({
    tool: "redocly",
    rule: p.ruleId,
    severity: p.severity === "error" ? "error" : "warning",
    where: p.location[0]?.pointer ?? "",
    message: p.message,
  }));
}

async function spectral(): Promise<Finding[]> {
  const report = (await jsonOf(["node_modules/@stoplight/spectral-cli/dist/index.js", "lint", DOC, "-r", ".spectral.yaml", "-f", "json", "--quiet"])) as {
    code: string;
    severity: number;
    message: string;
    path: (string | number)[];
  }[];
  // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
  return report.map((p) => ({ tool: "spectral", rule: p.code, severity: p.severity === 0 ? "error" : "warning", where: pointer(p.path), message: p.message }));
}

const allowed = (f: Finding) => ALLOWED_WARNINGS.some((a) => a.tool === f.tool && a.rule === f.rule && f.where.startsWith(a.where));

describe("openapi.yaml passes third-party validators", () => {
  it("when swagger-parser validates openapi.yaml, then it is valid OpenAPI 3.1", async () => {
    await expect(SwaggerParser.validate(`${ROOT}/${DOC}`)).resolves.toBeTruthy();
  });

  it("when Redocly CLI and Spectral lint openapi.yaml, then there is no error and only the listed warnings", async () => {
    const findings = (await Promise.all([redocly(), spectral()])).flat();
    const summary = (f: Finding) => `${f.tool} ${f.severity} ${f.rule} at ${f.where}: ${f.message}`;
    expect(findings.filter((f) => f.severity === "error").map(summary)).toEqual([]);
    expect(findings.filter((f) => !allowed(f)).map(summary)).toEqual([]);
    // A listed warning that no longer occurs is taken off the list.
    const stale = ALLOWED_WARNINGS.filter((a) => !findings.some((f) => a.tool === f.tool && a.rule === f.rule && f.where.startsWith(a.where)));
    expect(stale.map((a) => `${a.tool} ${a.rule} at ${a.where}`)).toEqual([]);
  }, 60_000);
});
