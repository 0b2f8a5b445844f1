// The regops CLI as a child process against the real service, registry and dockerd: each job
// command's happy path, each exit code, --json/-o output against GET /v1/jobs/{id}, the reading
// commands, contexts, and that nothing is coloured when stdout is not a terminal. Each
// command is a Node process (about 0.6 s of CPU through tsx): the tests get two minutes.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cliHome, regops, startRegops, type CliRun } from "../helpers/cli.js";
import { pushLayeredImage } from "../helpers/oci.js";
import { gzLayer } from "../helpers/layers.js";
import { quietPort } from "../helpers/ports.js";
import { removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
let apiOnly: TestService; // no workers: its jobs stay queued, for --timeout and cancel
const osvDir = mkdtempSync(join(tmpdir(), "regops-cli-osv-"));
const repo = `cli-${Date.now()}/app`;
let ref = "";
let digest = "";

const ESC = "\u001b[";
const as = (key: string, url = svc.url) => ({ REGOPS_URL: url, REGOPS_API_KEY: key });
const show = (r: CliRun) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  // One HIGH advisory against the image's openssl: a scan finds it, --fail-on HIGH fails.
  writeFileSync(
    join(osvDir, "DSA-9101-1.json"),
    JSON.stringify({
      schema_version: "1.6.0",
      id: "DSA-9101-1",
      modified: "2026-11-01T00:00:00Z",
      aliases: ["CVE-2099-9101"],
      affected: [{ package: { ecosystem: "Debian:12", name: "openssl" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.13-1~deb12u1" }] }] }],
      database_specific: { severity: "HIGH" },
    }),
  );
  const base = await gzLayer([
    { name: "etc/os-release", content: 'ID=debian\nVERSION_ID="12"\n' },
    { name: "var/lib/dpkg/status", content: "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nDescription: test\n" },
  ]);
  digest = (await pushLayeredImage(registry.url, repo, "v1", [base], { config: { Cmd: ["/bin/true"] } })).digest;
  ref = `${registry.host}/${repo}:v1`;
  const registries = [{ id: "local", url: registry.url, kind: "distribution", insecure: true }];
  [svc, apiOnly] = await Promise.all([
    startTestService({ redisUrl: redis.url, registries, extra: { scanner: { osv: [osvDir] } } }),
    startTestService({ redisUrl: redis.url, registries, role: "api" }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([svc?.close(), apiOnly?.close()]);
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("job commands", { timeout: 120_000 }, () => {
  it("when refresh --wait runs in a pipe, then it prints timestamped lines without colour and exits 0", async () => {
    const r = await regops(["refresh", ref, "--wait"], as(KEYS.write));
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain(`digest ${digest}`);
    expect(r.stdout).toMatch(/default: pulled/);
    expect(r.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ refresh job \S+ queued$/m);
    expect(r.stderr).toMatch(/Z completed$/m);
    expect(r.stdout + r.stderr).not.toContain(ESC);
  });

  it("when --json is given, then stdout is the final job record exactly as GET /v1/jobs/{id} answers", async () => {
    const r = await regops(["refresh", ref, "--no-pull", "--wait", "--json"], as(KEYS.write));
    expect(r.code, show(r)).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed).toMatchObject({ type: "refresh", state: "completed", spec: { pull: false }, result: { digest } });
    expect(printed).toEqual(await json(fetch(`${svc.url}/v1/jobs/${printed.id}`, { headers: auth(KEYS.read) })));
  });

  it("when not waiting (no terminal, no --wait), then it prints the job id and returns", async () => {
    const r = await regops(["refresh", ref, "--no-pull", "--idempotency-key", `cli-${Date.now()}`], as(KEYS.write));
    expect(r.code, show(r)).toBe(0);
    const id = r.stdout.trim();
    const job = await json(fetch(`${svc.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }));
    expect(job).toMatchObject({ id, type: "refresh" });
    const waited = await regops(["jobs", "wait", id, "--json"], as(KEYS.read));
    expect(waited.code, show(waited)).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ id, state: "completed" });
  });

  it("when retag copies a tag, then -o yaml prints the completed record and the target has the digest", async () => {
    const r = await regops(["retag", ref, `${registry.host}/${repo}:stable`, `${registry.host}/${repo}-mirror:v1`, "--wait", "-o", "yaml"], as(KEYS.write));
    expect(r.code, show(r)).toBe(0);
    const job = parse(r.stdout);
    expect(job).toMatchObject({ type: "retag", state: "completed", result: { sourceDigest: digest } });
    expect(job.result.targets.map((t: any) => t.digest)).toEqual([digest, digest]);
  });

  it("when a scan passes without a gate, then exit 0; with --fail-on HIGH, exit 1 naming the gate", async () => {
    const ok = await regops(["scan", ref, "--wait"], as(KEYS.write));
    expect(ok.code, show(ok)).toBe(0);
    expect(ok.stdout).toMatch(/1 packages, 1 findings \(High 1\)/i);
    const id = /regops scans get (\S+)/.exec(ok.stdout)![1]!;
    const findings = await regops(["scans", "get", id], as(KEYS.read));
    expect(findings.stdout).toMatch(/^DSA-9101-1\s+High\s+libssl3\s+3\.0\.11-1~deb12u2\s+3\.0\.13-1~deb12u1$/m);
    const gated = await regops(["scan", ref, "--fail-on", "HIGH", "--wait", "--json"], as(KEYS.write));
    expect(gated.code, show(gated)).toBe(1);
    expect(JSON.parse(gated.stdout)).toMatchObject({ state: "completed", result: { passed: false, failOn: "HIGH" } });
    expect(gated.stderr).toMatch(/gate not passed: findings at or above HIGH/);
    const later = await regops(["scan", ref, "--fail-on", "HIGH", "--no-wait"], as(KEYS.write));
    const waited = await regops(["jobs", "wait", later.stdout.trim()], as(KEYS.read));
    expect(waited.code, show(waited)).toBe(1); // the gate travels with the job
    expect(waited.stderr).toMatch(/gate not passed: findings at or above HIGH/);
    const lenient = await regops(["scan", ref, "--fail-on", "critical", "--wait"], as(KEYS.write));
    expect(lenient.code, show(lenient)).toBe(0);
  });

  it("when prune plans with filters, then the plan is printed and --apply of it deletes what it listed", async () => {
    const plan = await regops(["prune", "default", "--target", "images", "--filter", `label=regops-cli-test=${Date.now()}`, "--filter", "until=720h", "--dry-run", "--wait", "--json"], as(KEYS.write));
    expect(plan.code, show(plan)).toBe(0);
    const planned = JSON.parse(plan.stdout);
    expect(planned).toMatchObject({ spec: { filters: { label: [expect.any(String)], until: "720h" }, dryRun: true }, result: { mode: "plan", items: [] } });
    const applied = await regops(["prune", "--apply", planned.result.planId, "--wait"], as(KEYS.write));
    expect(applied.code, show(applied)).toBe(0);
    expect(applied.stdout).toMatch(/deleted 0, skipped 0/);
  });

  it("when the job fails, then exit 1 with its error code, message and hint", async () => {
    const r = await regops(["refresh", `${registry.host}/${repo}:no-such-tag`, "--wait"], as(KEYS.write));
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/error: job \S+ failed: MANIFEST_UNKNOWN: /);
    expect(r.stderr).toMatch(/^hint: .+/m);
  });

  it("when the wait outlasts --timeout, then exit 4 and the job goes on", async () => {
    const r = await regops(["refresh", ref, "--wait", "--timeout", "1s"], as(KEYS.write, apiOnly.url));
    expect(r.code, show(r)).toBe(4);
    expect(r.stderr).toMatch(/timed out after 1s waiting for job (\S+) \(still queued\)/);
    const id = /waiting for job (\S+)/.exec(r.stderr)![1]!;
    const cancel = await regops(["jobs", "cancel", id], as(KEYS.write, apiOnly.url));
    expect(cancel.code, show(cancel)).toBe(0);
    expect(cancel.stdout.trim()).toBe(`${id} cancelled`);
  });

  it("when the CLI is interrupted with --cancel-on-interrupt, then it cancels the job without asking: exit 130", async () => {
    const cli = startRegops(["refresh", ref, "--wait", "--cancel-on-interrupt"], as(KEYS.write, apiOnly.url));
    const deadline = Date.now() + 30_000;
    while (!/refresh job \S+ queued/.test(cli.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const id = /refresh job (\S+) queued/.exec(cli.stderr())![1]!;
    cli.child.kill("SIGINT");
    const r = await cli.done;
    expect(r.code, show(r)).toBe(130);
    expect(r.stderr).toContain(`interrupted: job ${id} cancelled`);
    expect((await json(fetch(`${apiOnly.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }))).state).toBe("cancelled");
  });

  it("when retention plans with rules, then the plan lists each tag and --apply needs no rules", async () => {
    const r = await regops(["retention", `${registry.host}/${repo}`, "--keep-newest", "1", "--keep-tag", "stable", "--dry-run", "--wait", "--json"], as(KEYS.write));
    expect(r.code, show(r)).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ type: "retention", state: "completed", spec: { keepNewest: 1, keepTags: ["stable"], dryRun: true } });
    const table = await regops(["retention", `${registry.host}/${repo}`, "--keep-newest", "1", "--keep-tag", "stable", "--dry-run", "--wait"], as(KEYS.write));
    expect(table.stdout).toMatch(/^plan \S+ for \S+: keep \d+, delete \d+, skip \d+$/m);
    expect(table.stdout).toMatch(/^ {2}keep\s+v1 \(/m);
    const misuse = await regops(["retention", `${registry.host}/${repo}`, "--apply", plan.id, "--keep-newest", "2"], as(KEYS.write));
    expect(misuse.code, show(misuse)).toBe(2);
  });
});

describe("exit codes for the caller's mistakes", { timeout: 120_000 }, () => {
  it("when a flag is unknown or an argument missing, then exit 2 with usage on stderr", async () => {
    const unknown = await regops(["refresh", ref, "--bogus"], as(KEYS.write));
    expect(unknown.code, show(unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    const missing = await regops(["retag", ref], as(KEYS.write));
    expect(missing.code, show(missing)).toBe(2);
    const choice = await regops(["scan", ref, "--fail-on", "SEVERE"], as(KEYS.write));
    expect(choice.code, show(choice)).toBe(2);
  });

  it("when the API refuses the request as invalid, then exit 2 naming the field", async () => {
    // an upper-case repository is not a docker reference: the API, not the CLI, says so
    const r = await regops(["refresh", `${registry.host}/Team/App:v1`, "--wait"], as(KEYS.write));
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/BAD_REQUEST: [^\n]*\n\s+image: invalid image reference [^\n]*must be lowercase/);
  });

  it("when the key is wrong or lacks the scope, then exit 3", async () => {
    const wrong = await regops(["jobs", "ls"], as("not-a-key"));
    expect(wrong.code, show(wrong)).toBe(3);
    expect(wrong.stderr).toMatch(/UNAUTHENTICATED: unknown API key/);
    const scope = await regops(["registries", "ls"], as(KEYS.read));
    expect(scope.code, show(scope)).toBe(3);
  });

  it("when nothing listens at the URL, then exit 3 saying it cannot reach it", async () => {
    const url = `http://127.0.0.1:${await quietPort()}`;
    const r = await regops(["refresh", ref, "--wait"], as(KEYS.write, url));
    expect(r.code, show(r)).toBe(3);
    expect(r.stderr).toContain(`cannot reach ${url}: ECONNREFUSED`);
  });
});

describe("reading commands", { timeout: 120_000 }, () => {
  it("when jobs ls filters by type, then the table lists them and -o json is the API's page", async () => {
    const table = await regops(["jobs", "ls", "--type", "retag"], as(KEYS.read));
    expect(table.code, show(table)).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+TYPE\s+STATE\s+IMAGE\s+AGE$/);
    expect(table.stdout).toMatch(/\sretag\s+completed\s/);
    const page = JSON.parse((await regops(["jobs", "ls", "--type", "retag", "-o", "json"], as(KEYS.read))).stdout);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((j: any) => j.type === "retag")).toBe(true);
    const one = await regops(["jobs", "get", page.items[0].id], as(KEYS.read));
    expect(one.stdout).toMatch(/^state:\s+completed$/m);
  });

  it("when images get, manifest and vulns are asked, then they answer from the store and the registry", async () => {
    const image = await regops(["images", "get", ref], as(KEYS.read));
    expect(image.code, show(image)).toBe(0);
    expect(image.stdout).toMatch(new RegExp(`^digest:\\s+${digest}$`, "m"));
    expect(image.stdout).toMatch(/^last scan:\s+1 findings/m);
    expect(image.stdout).toMatch(/^hosts:$/m);
    const manifest = parse((await regops(["manifest", ref, "-o", "yaml"], as(KEYS.read))).stdout);
    expect(manifest).toMatchObject({ digest, layers: [expect.any(Object)] });
    const vulns = await regops(["vulns", "CVE-2099-9101"], as(KEYS.read));
    expect(vulns.code, show(vulns)).toBe(0);
    expect(vulns.stdout).toContain(ref);
    expect(vulns.stdout).toMatch(/libssl3 3\.0\.11-1~deb12u2/);
  });

  it("when the operator lists registries, schedules, watches, hosts and webhook deliveries, then each answers", async () => {
    const registries = await regops(["registries", "ls", "-o", "wide"], as(KEYS.admin));
    expect(registries.code, show(registries)).toBe(0);
    expect(registries.stdout).toMatch(/^local\s+http:\/\/\S+\s+distribution\s+config/m);
    const post = (path: string, body: unknown) =>
      fetch(`${svc.url}${path}`, { method: "POST", headers: { ...auth(KEYS.admin), "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => expect(r.status).toBe(201));
    await post("/v1/schedules", { id: "cli-nightly", cron: "0 3 * * *", job: { type: "prune", host: "default", target: "images", dryRun: true } });
    await post("/v1/watches", { id: "cli-watch", image: ref, cron: "0 4 * * *", pull: false });
    const schedules = await regops(["schedules", "ls"], as(KEYS.read));
    expect(schedules.stdout, show(schedules)).toMatch(/^cli-nightly\s+0 3 \* \* \*\s+prune\s+\S+\s+0$/m);
    const watches = await regops(["watches", "ls"], as(KEYS.read));
    expect(watches.stdout, show(watches)).toMatch(new RegExp(`^cli-watch\\s+${ref.replaceAll(".", "\\.")}\\s+0 4 \\* \\* \\*\\s`, "m"));
    const deliveries = await regops(["webhooks", "deliveries", "--registry", "local"], as(KEYS.read));
    expect(deliveries.code, show(deliveries)).toBe(0);
    expect(deliveries.stdout).toMatch(/^ID\s+REGISTRY\s+STATUS\s+AGE\s+REASON$/m);
    const hosts = await regops(["hosts", "ls", "-o", "json"], as(KEYS.read));
    expect(JSON.parse(hosts.stdout)).toEqual({ items: [{ id: "default" }] });
  });
});

describe("contexts", { timeout: 120_000 }, () => {
  it("when a context is set and used, then commands reach the API with its URL and key file, without REGOPS_* set", async () => {
    const home = cliHome();
    const keyFile = join(home, "reader.key");
    writeFileSync(keyFile, `${KEYS.read}\n`, { mode: 0o600 });
    const env = { HOME: home };
    expect((await regops(["context", "set", "dead", "--url", `http://127.0.0.1:${await quietPort()}`], env)).code).toBe(0);
    expect((await regops(["context", "set", "test", "--url", svc.url, "--key-file", keyFile], env)).code).toBe(0);
    const dead = await regops(["jobs", "ls"], env); // the first context set became current
    expect(dead.code, show(dead)).toBe(3);
    expect((await regops(["context", "use", "test"], env)).code).toBe(0);
    const ls = await regops(["context", "ls"], env);
    expect(ls.stdout).toMatch(/^\*\s+test\s+http:/m);
    const jobs = await regops(["jobs", "ls", "--limit", "1"], env);
    expect(jobs.code, show(jobs)).toBe(0);
    const other = await regops(["jobs", "ls", "--context", "nope"], env);
    expect(other.code, show(other)).toBe(2);
  });

  it("when REGOPS_URL points elsewhere than the current context, then the context's key is not sent there", async () => {
    const home = cliHome();
    const keyFile = join(home, "prod.key");
    writeFileSync(keyFile, "prod-secret-key\n", { mode: 0o600 });
    expect((await regops(["context", "set", "prod", "--url", svc.url, "--key-file", keyFile], { HOME: home })).code).toBe(0);
    const seen: (string | undefined)[] = [];
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { "content-type": "application/json" }).end('{"items":[],"nextCursor":null}');
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const r = await regops(["jobs", "ls"], { HOME: home, REGOPS_URL: `http://127.0.0.1:${(other.address() as AddressInfo).port}` });
      expect(r.code, show(r)).toBe(0);
      expect(seen).toEqual([undefined]);
    } finally {
      other.close();
    }
  });

  it("when no URL is configured anywhere, then exit 2 with a hint", async () => {
    const r = await regops(["jobs", "ls"], {});
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/no API URL[\s\S]*hint: set REGOPS_URL/);
  });
});
