// The CLI's argv → REST request mapping, through the real command tree with a recording fetch
// (no service): each body is also parsed by the service's own zod spec, so a flag that stops
// mirroring the REST spec fails here.
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/cli/main.js";
import { jobSpec } from "../../src/jobs/specs/index.js";

const PLAN = "01a2498a-f8b6-773a-bc0b-df1d2fa6ebeb";

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: any;
}

async function invoke(argv: string[], answer: unknown = { id: "job-1", type: "refresh", state: "queued" }, status = 202) {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    sent.push({ method: init.method ?? "GET", url, headers: init.headers as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(JSON.stringify(answer), { status, headers: { "content-type": "application/json" } });
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const env = { REGOPS_URL: "http://regops.test:8080/", REGOPS_API_KEY: "k-123", REGOPS_CLI_CONFIG: "/nonexistent/regops-cli.yaml" };
  const code = await run(argv, { stdout, stderr, stdin: new PassThrough(), env });
  return { code, sent, out, err };
}

afterEach(() => vi.unstubAllGlobals());

const cases: [string, string[], Record<string, unknown>][] = [
  ["refresh with defaults", ["refresh", "nginx:1.27"], { type: "refresh", image: "nginx:1.27" }],
  [
    "refresh with every flag",
    ["refresh", "nginx:1.27", "--host", "a", "--host", "b", "--no-pull", "--force", "--require-signature"],
    { type: "refresh", image: "nginx:1.27", hosts: ["a", "b"], pull: false, force: true, requireSignature: true },
  ],
  [
    "retag to two targets",
    ["retag", "r.example/a:v1", "r.example/a:stable", "r.example/b:v1", "--platform", "linux/amd64", "--overwrite", "backup", "--sign"],
    { type: "retag", source: "r.example/a:v1", targets: ["r.example/a:stable", "r.example/b:v1"], platforms: ["linux/amd64"], overwrite: "backup", then: [{ type: "sign" }] },
  ],
  ["retag through a daemon", ["retag", "a:v1", "b:v1", "--mode", "daemon", "--host", "default"], { type: "retag", source: "a:v1", targets: ["b:v1"], mode: "daemon", host: "default" }],
  ["sign as a delegation", ["sign", "r.example/a:v1", "--role", "targets/releases"], { type: "sign", image: "r.example/a:v1", role: "targets/releases" }],
  ["sign with Notation", ["sign", "r.example/a@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "--format", "notation"], { type: "sign", image: "r.example/a@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", format: "notation" }],
  ["verify", ["verify", "r.example/a:v1"], { type: "verify", image: "r.example/a:v1" }],
  ["scan with a lower-case gate", ["scan", "a:v1", "--fail-on", "high", "--engine", "builtin"], { type: "scan", image: "a:v1", failOn: "HIGH", engine: "builtin" }],
  [
    "prune with docker's filters",
    ["prune", "default", "--target", "images", "--all", "--filter", "until=720h", "--filter", "label=tier=web", "--filter", "label!=keep", "--dry-run"],
    { type: "prune", host: "default", target: "images", all: true, filters: { until: "720h", label: ["tier=web"], "label!": ["keep"] }, dryRun: true },
  ],
  ["prune --apply", ["prune", "--apply", PLAN], { type: "prune", apply: PLAN }],
  [
    "retention rules",
    ["retention", "r.example/team/app", "--keep-newest", "10", "--keep-tag", "semver", "--keep-tag", "release-.*", "--older-than", "720h", "--dry-run"],
    { type: "retention", repository: "r.example/team/app", keepNewest: 10, keepTags: ["semver", "release-.*"], olderThan: "720h", dryRun: true },
  ],
];

describe("job commands → POST /v1/jobs", () => {
  it.each(cases)("when %s, then the body is the REST spec's", async (_name, argv, body) => {
    const { code, sent, out } = await invoke([...argv, "--no-wait"]);
    expect(code).toBe(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: "POST", url: "http://regops.test:8080/v1/jobs", headers: { authorization: "Bearer k-123", "content-type": "application/json" } });
    expect(sent[0]!.body).toEqual(body);
    expect(jobSpec.safeParse(sent[0]!.body).error).toBeUndefined();
    expect(out).toBe("job-1\n");
  });

  it("when --idempotency-key is given, then it is sent as the header", async () => {
    const { sent } = await invoke(["refresh", "a:v1", "--no-wait", "--idempotency-key", "build-42"]);
    expect(sent[0]!.headers["idempotency-key"]).toBe("build-42");
  });

  it("when --apply comes with rules, or a filter has no =, then exit 2 before any request", async () => {
    for (const argv of [["prune", "--apply", PLAN, "--all"], ["retention", "r/a", "--apply", PLAN, "--keep-newest", "1"], ["prune", "--filter", "until"]]) {
      const { code, sent, err } = await invoke([...argv, "--no-wait"]);
      expect(code, argv.join(" ")).toBe(2);
      expect(sent).toHaveLength(0);
      expect(err).toMatch(/^error: /);
    }
  });

  it("when a flag is unknown, a choice is not offered or --timeout is not a duration, then exit 2", async () => {
    for (const argv of [["refresh", "a:v1", "--nope"], ["scan", "a:v1", "--fail-on", "SEVERE"], ["refresh", "a:v1", "--wait", "--timeout", "soon"], ["retag", "a:v1"]]) {
      expect((await invoke(argv)).code, argv.join(" ")).toBe(2);
    }
  });
});

describe("reading commands → GET", () => {
  it("when jobs ls has filters, then they become the query", async () => {
    const { sent } = await invoke(["jobs", "ls", "--type", "scan", "--state", "failed", "--image", "nginx", "--limit", "5", "-o", "json"], { items: [], nextCursor: null }, 200);
    expect(sent[0]!.url).toBe("http://regops.test:8080/v1/jobs?type=scan&state=failed&image=nginx&limit=5");
  });

  it("when images get, manifest, vulns and webhooks deliveries are asked, then each hits its route", async () => {
    const urls = async (argv: string[]) => (await invoke([...argv, "-o", "json"], {}, 200)).sent[0]!.url;
    expect(await urls(["images", "get", "nginx:1.27"])).toBe("http://regops.test:8080/v1/images?ref=nginx%3A1.27");
    expect(await urls(["manifest", "nginx:1.27"])).toBe("http://regops.test:8080/v1/manifests?ref=nginx%3A1.27");
    expect(await urls(["vulns", "CVE-2024-3094"])).toBe("http://regops.test:8080/v1/vulnerabilities?id=CVE-2024-3094");
    expect(await urls(["webhooks", "deliveries", "--registry", "local", "--status", "rejected"])).toBe("http://regops.test:8080/v1/webhooks/deliveries?registry=local&status=rejected");
  });
});

describe("answers → exit codes", () => {
  it.each([
    [400, 2],
    [422, 2],
    [401, 3],
    [403, 3],
    [404, 1],
    [503, 1],
  ])("when the API answers %i, then exit %i with the problem's code and hint", async (status, exit) => {
    const { code, err } = await invoke(["jobs", "get", "x"], { code: "SOME_CODE", detail: "what happened", hint: "what to do" }, status);
    expect(code).toBe(exit);
    expect(err).toBe("error: SOME_CODE: what happened\nhint: what to do\n");
  });
});
