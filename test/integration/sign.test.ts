// Signing as Docker Content Trust sees it, on the real stack: a notary-server over TLS, a
// registry, dockerd, and the docker CLI as the judge. A regops sign job must be what
// `docker trust inspect` shows and what a DCT pull accepts; a tag overwritten after signing
// must fail verify and be refused by a refresh with requireSignature.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNotaryServer, type StartedNotary } from "../helpers/notary.js";
import { pushRandomImage, removeLocalImages, type PushedImage } from "../helpers/push.js";
import { redisDump } from "../helpers/redis-dump.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const run = promisify(execFile);
const ROOT_PASSPHRASE = `root-${randomBytes(8).toString("hex")}`;
const TARGETS_PASSPHRASE = `targets-${randomBytes(8).toString("hex")}`;
let redis: StartedRedis;
let registry: StartedRegistry;
let notary: StartedNotary;
let svc: TestService;
let trustDir = "";
let dockerConfig = "";
let signed: PushedImage;
const repo = `signed-${Date.now()}/app`;

const notaryConfig = (dir: string) => ({
  server: notary.url,
  rootCa: notary.caPath,
  trustDir: dir,
  passphrases: { root: "env:TEST_NOTARY_ROOT", targets: "env:TEST_NOTARY_TARGETS" },
});

async function submit(service: TestService, spec: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${service.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify(spec) });
  const body = await json(res);
  if (res.status !== 202) return { status: res.status, ...body };
  return waitForJob(service.url, body.id, 60_000);
}

/** The docker CLI, pointed at the test's notary server (its CA installed where the CLI looks). */
async function dockerCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await run("docker", args, {
      env: { ...process.env, DOCKER_CONFIG: dockerConfig, DOCKER_CONTENT_TRUST_SERVER: notary.url, ...env },
      encoding: "utf8",
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

beforeAll(async () => {
  [redis, registry, notary] = await Promise.all([startRedis(), startRegistry(), startNotaryServer()]);
  trustDir = mkdtempSync(join(tmpdir(), "regops-trust-"));
  dockerConfig = mkdtempSync(join(tmpdir(), "regops-dockercfg-"));
  const caDir = join(dockerConfig, "tls", new URL(notary.url).host);
  mkdirSync(caDir, { recursive: true });
  copyFileSync(notary.caPath, join(caDir, "ca.crt"));
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [{ id: "local", url: registry.url, kind: "distribution" }],
    extra: { notary: notaryConfig(trustDir) },
    env: { TEST_NOTARY_ROOT: ROOT_PASSPHRASE, TEST_NOTARY_TARGETS: TARGETS_PASSPHRASE },
  });
  signed = await pushRandomImage(registry.host, repo, "signed");
  await pushRandomImage(registry.host, repo, "unsigned");
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop(), notary?.container.stop()]);
});

describe("sign and verify (Notary, Docker Content Trust)", () => {
  it("when regops signs a tag, then docker trust inspect shows that digest and a DCT pull accepts only signed tags", async () => {
    const job = await submit(svc, { type: "sign", image: signed.ref });
    expect(job.state, JSON.stringify(job.error)).toBe("completed");
    expect(job.result).toMatchObject({ gun: `${registry.host}/${repo}`, tag: "signed", digest: signed.digest, role: "targets", repoCreated: true });

    const inspect = await dockerCli(["trust", "inspect", `${registry.host}/${repo}`]);
    expect(inspect.code, inspect.out).toBe(0);
    const trust = JSON.parse(inspect.out) as { SignedTags: { SignedTag: string; Digest: string }[] }[];
    expect(trust[0]!.SignedTags).toEqual([expect.objectContaining({ SignedTag: "signed", Digest: signed.digest.replace("sha256:", "") })]);

    const ok = await dockerCli(["pull", `${registry.host}/${repo}:signed`], { DOCKER_CONTENT_TRUST: "1" });
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain(signed.digest);
    const refused = await dockerCli(["pull", `${registry.host}/${repo}:unsigned`], { DOCKER_CONTENT_TRUST: "1" });
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/No valid trust data for unsigned/);

    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(signed.ref)}`, { headers: auth(KEYS.read) }));
    expect(image.signatures).toEqual([expect.objectContaining({ role: "targets", digest: signed.digest, jobId: job.id })]);
  });

  it("when a signed tag matches the registry, then verify passes and refresh with requireSignature pulls it", async () => {
    const verify = await submit(svc, { type: "verify", image: signed.ref });
    expect(verify.state, JSON.stringify(verify.error)).toBe("completed");
    expect(verify.result).toMatchObject({ match: true, registryDigest: signed.digest, signed: { digest: signed.digest } });
    const refresh = await submit(svc, { type: "refresh", image: signed.ref, requireSignature: true });
    expect(refresh.state, JSON.stringify(refresh.error)).toBe("completed");
    expect(refresh.result.hosts[0]).toMatchObject({ imageId: signed.imageId });
  });

  it("when the tag is overwritten after signing, then verify fails SIGNATURE_MISMATCH and refresh with requireSignature refuses it", async () => {
    const tampered = await pushRandomImage(registry.host, repo, "signed");
    expect(tampered.digest).not.toBe(signed.digest);
    const verify = await submit(svc, { type: "verify", image: signed.ref });
    expect([verify.state, verify.error?.code, verify.attempts]).toEqual(["failed", "SIGNATURE_MISMATCH", 1]);
    expect(verify.error.hint).toMatch(/overwritten/);
    const refresh = await submit(svc, { type: "refresh", image: signed.ref, requireSignature: true });
    expect([refresh.state, refresh.error?.code]).toEqual(["failed", "SIGNATURE_MISMATCH"]);
    const unsigned = await submit(svc, { type: "refresh", image: `${registry.host}/${repo}:unsigned`, requireSignature: true, pull: false });
    expect([unsigned.state, unsigned.error?.code]).toEqual(["failed", "SIGNATURE_MISSING"]);
    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(signed.ref)}`, { headers: auth(KEYS.read) }));
    expect(image.verification).toMatchObject({ match: false, registryDigest: tampered.digest, signedDigest: signed.digest });
  });

  it("when 10 sign jobs hit one repository at once, then all succeed, serialised per GUN", async () => {
    const tags = Array.from({ length: 10 }, (_, i) => `c${i}`);
    for (const tag of tags) await pushRandomImage(registry.host, `${repo}-many`, tag);
    const jobs = await Promise.all(tags.map((tag) => submit(svc, { type: "sign", image: `${registry.host}/${repo}-many:${tag}` })));
    expect(jobs.map((j) => [j.state, j.error?.code])).toEqual(tags.map(() => ["completed", undefined]));
    const inspect = await dockerCli(["trust", "inspect", `${registry.host}/${repo}-many`]);
    const trust = JSON.parse(inspect.out) as { SignedTags: { SignedTag: string }[] }[];
    expect(trust[0]!.SignedTags.map((t) => t.SignedTag).sort()).toEqual(tags);
  });

  it("when a retag says then: [{type: sign}], then the copy's target is signed after the copy succeeded", async () => {
    const target = `${registry.host}/${repo}-release:1.0.0`;
    const retag = await submit(svc, { type: "retag", source: `${registry.host}/${repo}:unsigned`, targets: [target], then: [{ type: "sign" }] });
    expect(retag.state, JSON.stringify(retag.error)).toBe("completed");
    expect(retag.result.then).toEqual([{ type: "sign", image: target, jobId: expect.any(String) }]);
    const sign = (await waitForJob(svc.url, retag.result.then[0].jobId, 60_000)) as any;
    expect(sign.state, JSON.stringify(sign.error)).toBe("completed");
    expect(sign.result.digest).toBe(retag.result.targets[0].digest);
    // the step belongs to the key that started the pipeline: it may cancel it
    expect([retag.submittedBy, sign.submittedBy]).toEqual(["writer", "writer"]);
  });

  it("when an admin reads trust data, adds a delegation and rotates a key, then notary reflects it; GraphQL shows signatures", async () => {
    const gun = `${registry.host}/${repo}`;
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${svc.url}${path}`, {
        method,
        headers: { ...auth(KEYS.admin), ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const trust = await admin("GET", `/v1/notary/trust?gun=${encodeURIComponent(gun)}`);
    expect(trust.status).toBe(200);
    expect(trust.body.targets).toEqual([expect.objectContaining({ tag: "signed", digest: signed.digest, role: "targets" })]);
    const keys = await admin("GET", "/v1/notary/keys");
    expect(keys.body.items.map((k: any) => k.role)).toEqual(expect.arrayContaining(["root", "targets"]));
    expect(JSON.stringify(keys.body)).not.toMatch(/PRIVATE KEY/);

    const dir = mkdtempSync(join(tmpdir(), "regops-ci-signer-"));
    await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", join(dir, "ci.key")]);
    await run("openssl", ["req", "-new", "-x509", "-key", join(dir, "ci.key"), "-out", join(dir, "ci.crt"), "-days", "2", "-subj", "/CN=ci-signer"]);
    const added = await admin("POST", "/v1/notary/delegations", { gun, role: "targets/releases", certificate: readFileSync(join(dir, "ci.crt"), "utf8") });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body.delegations).toEqual([expect.objectContaining({ role: "targets/releases", allPaths: true })]);
    const rotated = await admin("POST", "/v1/notary/rotations", { gun, role: "targets" });
    expect(rotated).toEqual({ status: 200, body: { gun, role: "targets", rotated: true } });
    const bad = await admin("GET", `/v1/notary/trust?gun=${encodeURIComponent("--help")}`);
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, "query.gun"]);

    const gql = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.read), "content-type": "application/json" },
      body: JSON.stringify({ query: `query($ref: String!) { image(ref: $ref) { ref tagKind signatures { role digest } verification { match } } }`, variables: { ref: signed.ref } }),
    }).then((r) => r.json() as Promise<any>);
    expect(gql.data.image.signatures).toEqual([{ role: "targets", digest: signed.digest }]);
  });

  it("when a scan says then: [{type: sign}], then the image is signed only after a scan that passed its gate", async () => {
    const img = await pushRandomImage(registry.host, `${repo}-scanned`, "ok");
    const scan = await submit(svc, { type: "scan", image: img.ref, failOn: "LOW", then: [{ type: "sign" }] });
    expect(scan.state, JSON.stringify(scan.error)).toBe("completed");
    expect(scan.result).toMatchObject({ passed: true, then: [{ type: "sign", image: img.ref, jobId: expect.any(String) }] });
    const sign = (await waitForJob(svc.url, scan.result.then[0].jobId, 60_000)) as any;
    expect(sign.state, JSON.stringify(sign.error)).toBe("completed");
    expect(sign.result.digest).toBe(img.digest);
  });

  it("when a reference looks like a flag or a shell, then it is a 400 and nothing runs", async () => {
    for (const image of ["--help", "-s http://evil", "$(id)", `${registry.host}/${repo}:$(id)`]) {
      const r = await submit(svc, { type: "sign", image });
      expect([image, r.status, r.code]).toEqual([image, 400, "BAD_REQUEST"]);
    }
  });

  it("when the targets passphrase is wrong, then NOTARY_FAILED with a hint, and the passphrase is nowhere", async () => {
    const wrong = `wrong-${randomBytes(8).toString("hex")}`;
    const other = await startTestService({
      redisUrl: redis.url,
      registries: [{ id: "local", url: registry.url, kind: "distribution" }],
      extra: { notary: notaryConfig(trustDir), jobs: { attempts: 3 } },
      env: { TEST_NOTARY_ROOT: ROOT_PASSPHRASE, TEST_NOTARY_TARGETS: wrong },
    });
    try {
      await pushRandomImage(registry.host, repo, "wrongpass");
      const job = await submit(other, { type: "sign", image: `${registry.host}/${repo}:wrongpass` });
      expect([job.state, job.error?.code, job.attempts]).toEqual(["failed", "NOTARY_FAILED", 1]);
      expect(job.error.hint).toMatch(/passphrase/i);
      const everything = [JSON.stringify(job), other.logs(), svc.logs(), await redisDump(redis)].join("\n");
      for (const secret of [wrong, ROOT_PASSPHRASE, TARGETS_PASSPHRASE]) expect(everything).not.toContain(secret);
    } finally {
      await other.close();
    }
  });

  it("when no notary is configured, then sign is refused at the door (422 naming type)", async () => {
    const plain = await startTestService({ redisUrl: redis.url, registries: [{ id: "local", url: registry.url, kind: "distribution" }] });
    try {
      const r = await submit(plain, { type: "sign", image: signed.ref });
      expect([r.status, r.code, r.errors[0].field]).toEqual([422, "NOTARY_NOT_CONFIGURED", "type"]);
    } finally {
      await plain.close();
    }
  });
});
