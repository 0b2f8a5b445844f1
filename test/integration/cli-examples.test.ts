// examples/gitlab-ci.yml's script lines, in stage order, as one bash script against a real
// regops (with Notary and an OSV database), an htpasswd registry and the Docker engine: build,
// push by commit SHA, scan --fail-on HIGH, sign, verify, retag to :stable. A clean image goes
// through and exits 0; an image carrying a known-vulnerable openssl stops at the scan with 1.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI, regops } from "../helpers/cli.js";
import { startNotaryServer, type StartedNotary } from "../helpers/notary.js";
import { removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const EXAMPLE = join(import.meta.dirname, "..", "..", "examples", "gitlab-ci.yml");
const STAGES = ["build", "scan", "sign", "promote"];
const creds = { username: "ci", password: `pw-${randomBytes(8).toString("hex")}` };
const passphrases = { TEST_NOTARY_ROOT: `root-${randomBytes(8).toString("hex")}`, TEST_NOTARY_TARGETS: `targets-${randomBytes(8).toString("hex")}` };
let redis: StartedRedis;
let registry: StartedRegistry;
let notary: StartedNotary;
let svc: TestService;
const repo = `ci-${Date.now()}/app`;
const osvDir = mkdtempSync(join(tmpdir(), "regops-ci-osv-"));

/** The pipeline as GitLab would run it on the default branch: yml variables (overridable by the project's), then each stage's script. */
function pipelineScript(): string {
  const ci = parse(readFileSync(EXAMPLE, "utf8")) as Record<string, any>;
  const vars = Object.entries((ci.variables ?? {}) as Record<string, string>).map(([k, v]) => `export ${k}="\${${k}:-${v}}"`);
  const steps = STAGES.flatMap((stage) => {
    const job = Object.values(ci).find((j: any) => j?.stage === stage) as { script: string[] };
    return [`echo "--- stage ${stage}"`, ...job.script];
  });
  return ["set -euo pipefail", ...vars, ...steps].join("\n");
}

/** A build context: FROM scratch with a Debian-looking dpkg database listing this openssl. */
function buildContext(openssl: string): string {
  const dir = mkdtempSync(join(tmpdir(), "regops-ci-build-"));
  mkdirSync(join(dir, "rootfs", "etc"), { recursive: true });
  mkdirSync(join(dir, "rootfs", "var", "lib", "dpkg"), { recursive: true });
  writeFileSync(join(dir, "rootfs", "etc", "os-release"), 'ID=debian\nVERSION_ID="12"\n');
  writeFileSync(join(dir, "rootfs", "var", "lib", "dpkg", "status"), `Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: ${openssl}\nDescription: test\n`);
  writeFileSync(join(dir, "rootfs", "built-at"), `${Date.now()} ${randomBytes(8).toString("hex")}\n`);
  writeFileSync(join(dir, "Dockerfile"), 'FROM scratch\nCOPY rootfs/ /\nCMD ["/app"]\n');
  return dir;
}

/** `regops` on PATH, as the regops image has it. */
function binDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "regops-ci-bin-"));
  symlinkSync(CLI, join(dir, "regops"));
  return dir;
}

async function runPipeline(sha: string, context: string): Promise<{ code: number; out: string }> {
  const home = mkdtempSync(join(tmpdir(), "regops-ci-home-"));
  const env = {
    PATH: `${binDir()}:${dirname(process.execPath)}:${process.env.PATH}`,
    HOME: home,
    DOCKER_CONFIG: join(home, ".docker"),
    DOCKER_HOST: process.env.DOCKER_HOST,
    CI_REGISTRY: registry.host,
    CI_REGISTRY_IMAGE: `${registry.host}/${repo}`,
    CI_REGISTRY_USER: creds.username,
    CI_REGISTRY_PASSWORD: creds.password,
    CI_COMMIT_SHA: sha,
    CI_PIPELINE_ID: String(Date.now()),
    CI_COMMIT_BRANCH: "main",
    CI_DEFAULT_BRANCH: "main",
    REGOPS_URL: svc.url,
    REGOPS_API_KEY: KEYS.write,
  };
  return new Promise((resolve) => {
    execFile("bash", ["-c", pipelineScript()], { cwd: context, env, encoding: "utf8", timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` });
    });
  });
}

beforeAll(async () => {
  [redis, registry, notary] = await Promise.all([startRedis(), startRegistry({ htpasswd: `${creds.username}:${bcrypt.hashSync(creds.password, 10)}\n` }), startNotaryServer()]);
  writeFileSync(
    join(osvDir, "DSA-9201-1.json"),
    JSON.stringify({
      schema_version: "1.6.0",
      id: "DSA-9201-1",
      modified: "2026-11-01T00:00:00Z",
      aliases: ["CVE-2099-9201"],
      affected: [{ package: { ecosystem: "Debian:12", name: "openssl" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "3.0.13-1~deb12u1" }] }] }],
      database_specific: { severity: "HIGH" },
    }),
  );
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "gitlab", url: registry.url, kind: "gitlab", insecure: true, auth: creds }],
    extra: {
      scanner: { osv: [osvDir] },
      notary: { server: notary.url, rootCa: notary.caPath, trustDir: mkdtempSync(join(tmpdir(), "regops-ci-trust-")), passphrases: { root: "env:TEST_NOTARY_ROOT", targets: "env:TEST_NOTARY_TARGETS" } },
    },
    env: passphrases,
  });
}, 180_000);

afterAll(async () => {
  await svc?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop(), notary?.container.stop()]);
});

describe("examples/gitlab-ci.yml", { timeout: 240_000 }, () => {
  let stableDigest = "";

  it("when a clean image goes through the pipeline, then every step exits 0 and :stable is the scanned, signed digest", async () => {
    const sha = randomBytes(20).toString("hex");
    const run = await runPipeline(sha, buildContext("3.0.13-1~deb12u1"));
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/--- stage promote/);
    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(`${registry.host}/${repo}:${sha}`)}`, { headers: auth(KEYS.read) }));
    expect(image.scan).toMatchObject({ passed: true, failOn: "HIGH", findings: 0 });
    expect(image.signatures).toEqual([expect.objectContaining({ role: "targets", digest: image.digest })]);
    expect(image.verification).toMatchObject({ match: true });
    const stable = await json(fetch(`${svc.url}/v1/manifests?ref=${encodeURIComponent(`${registry.host}/${repo}:stable`)}`, { headers: auth(KEYS.read) }));
    expect(stable.digest).toBe(image.digest);
    stableDigest = stable.digest;
  });

  it("when the image carries a HIGH advisory, then the scan step exits 1 and nothing is signed or promoted", async () => {
    const sha = randomBytes(20).toString("hex");
    const run = await runPipeline(sha, buildContext("3.0.11-1~deb12u2"));
    expect(run.code, run.out).toBe(1);
    expect(run.out).toMatch(/gate not passed: findings at or above HIGH \(High 1\)/);
    expect(run.out).not.toMatch(/--- stage sign/);
    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(`${registry.host}/${repo}:${sha}`)}`, { headers: auth(KEYS.read) }));
    expect(image.scan).toMatchObject({ passed: false, findings: 1 });
    expect(image.signatures ?? []).toEqual([]);
    const stable = await json(fetch(`${svc.url}/v1/manifests?ref=${encodeURIComponent(`${registry.host}/${repo}:stable`)}`, { headers: auth(KEYS.read) }));
    expect(stable.digest).toBe(stableDigest);

    // The verification gate: the unsigned tag fails verify, exit 1 with the job's code and hint.
    const verify = await regops(["verify", `${registry.host}/${repo}:${sha}`, "--wait"], { REGOPS_URL: svc.url, REGOPS_API_KEY: KEYS.write });
    expect(verify.code, verify.stderr).toBe(1);
    expect(verify.stderr).toMatch(/error: job \S+ failed: SIGNATURE_MISSING: /);
  });
});
