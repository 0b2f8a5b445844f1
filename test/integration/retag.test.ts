// Retag, registry mode, on real registries: within a repository (a manifest PUT, no blob
// bytes), across repositories of one registry (blob mounts), and across registries (blobs
// streamed), for an image and a multi-platform index, with platform filters and the
// overwrite policies. skopeo checks the results from the outside.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_MANIFEST, pushMultiArch, pushPlatformImage } from "../helpers/oci.js";
import { auth, json, KEYS, runJob, startTestService, type TestService } from "../helpers/service.js";
import { startSlowProxy, type SlowProxy } from "../helpers/slow-proxy.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const creds = { username: "ci", password: `pw-${Date.now()}` };
let redis: StartedRedis;
let regA: StartedRegistry; // plain, behind a byte-counting proxy
let regB: StartedRegistry; // htpasswd basic auth
let proxyA: SlowProxy;
let svc: TestService;
let multi: Awaited<ReturnType<typeof pushMultiArch>>;
const repo = `retag-${Date.now()}/app`;
let A = ""; // registry A as regops (and skopeo) address it: through the proxy

// Asynchronous on purpose: skopeo talks to registry A through the proxy that runs in this
// process, which a synchronous child would starve.
const skopeo = async (...args: string[]) => (await promisify(execFile)("skopeo", args, { encoding: "utf8" })).stdout;
const rawDigest = (raw: string) => `sha256:${createHash("sha256").update(raw).digest("hex")}`;

async function retag(body: Record<string, unknown>): Promise<any> {
  const job = await runJob(svc.url, { type: "retag", ...body }, { timeoutMs: 45_000 });
  if (job.state !== "completed") console.error("retag did not complete:", JSON.stringify(job));
  return job;
}

beforeAll(async () => {
  [redis, regA, regB] = await Promise.all([
    startRedis(),
    startRegistry(),
    startRegistry({ htpasswd: `ci:${bcrypt.hashSync(creds.password, 10)}\n` }),
  ]);
  const [host, port] = regA.host.split(":");
  proxyA = await startSlowProxy({ host: host!, port: Number(port) }, 1024 * 1024 * 1024);
  A = proxyA.host;
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      { id: "a", url: `http://${A}`, kind: "distribution", insecure: true },
      { id: "b", url: regB.url, kind: "harbor", insecure: true, auth: creds },
    ],
  });
  multi = await pushMultiArch(regA.url, repo, "multi");
});

afterAll(async () => {
  await svc?.close();
  await proxyA?.close();
  await Promise.all([redis?.container.stop(), regA?.container.stop(), regB?.container.stop()]);
});

describe("retag (registry mode)", () => {
  it("when the target is in the same repository, then only a manifest moves: zero blob bytes", async () => {
    const img = await pushPlatformImage(regA.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 1024 * 1024);
    await fetch(`${regA.url}/v2/${repo}/manifests/big`, { method: "PUT", headers: { "content-type": OCI_MANIFEST }, body: await (await fetch(`${regA.url}/v2/${repo}/manifests/${img.digest}`, { headers: { accept: OCI_MANIFEST } })).arrayBuffer() });
    const before = proxyA.bytesDown();
    const job = await retag({ source: `${A}/${repo}:big`, targets: [`${A}/${repo}:release`] });
    expect(job.state).toBe("completed");
    expect(job.result).toMatchObject({ sourceDigest: img.digest, bytesMoved: 0, blobsCopied: 0, blobsMounted: 0, blobsSkipped: 0 });
    expect(job.result.targets[0].digest).toBe(img.digest);
    expect(proxyA.bytesDown() - before).toBeLessThan(64 * 1024); // the 1 MiB layer never crossed the wire
  });

  it("when the target is another repository of the same registry, then blobs are mounted", async () => {
    const job = await retag({ source: `${A}/${repo}:big`, targets: [`${A}/${repo}-mirror:big`] });
    expect(job.state).toBe("completed");
    expect(job.result).toMatchObject({ blobsMounted: 2, blobsCopied: 0, bytesMoved: 0 });
    const raw = await skopeo("inspect", "--tls-verify=false", "--raw", `docker://${A}/${repo}-mirror:big`);
    expect(rawDigest(raw)).toBe(job.result.sourceDigest);
  });

  it("when a multi-platform index is copied to another registry, then every digest is kept and skopeo can copy it", async () => {
    const target = `${regB.host}/mirror/app:multi`;
    const job = await retag({ source: `${A}/${repo}:multi`, targets: [target] });
    expect(job.state).toBe("completed");
    expect(job.result.targets[0].digest).toBe(multi.index.digest);
    expect(job.result.blobsCopied).toBe(6); // 3 images x (config + layer)
    expect(job.result.manifests).toBe(4);
    const credArg = `${creds.username}:${creds.password}`;
    const raw = await skopeo("inspect", "--tls-verify=false", "--creds", credArg, "--raw", `docker://${target}`);
    expect(rawDigest(raw)).toBe(multi.index.digest);
    const out = mkdtempSync(join(tmpdir(), "regops-skopeo-"));
    await skopeo("copy", "--src-tls-verify=false", "--src-creds", credArg, "--override-arch", "arm64", `docker://${target}`, `dir:${out}`);
    const again = await retag({ source: `${A}/${repo}:multi`, targets: [target] });
    expect(again.result).toMatchObject({ blobsCopied: 0, blobsSkipped: 6, bytesMoved: 0 });
  });

  it("when platforms are chosen, then the target index holds only those, with child digests unchanged", async () => {
    const job = await retag({ source: `${A}/${repo}:multi`, targets: [`${regB.host}/mirror/app:amd64`], platforms: ["linux/amd64"] });
    expect(job.state).toBe("completed");
    const res = await fetch(`${svc.url}/v1/manifests?ref=${encodeURIComponent(`${regB.host}/mirror/app:amd64`)}`, { headers: auth(KEYS.read) });
    const m = await json(res);
    expect(m.platforms.map((p: any) => [p.architecture, p.digest])).toEqual([["amd64", multi.amd64.digest]]);
    expect(m.attestations.map((a: any) => a.refersTo)).toEqual([multi.amd64.digest]);
    expect(m.digest).not.toBe(multi.index.digest);
  });

  it("when overwrite is refuse and the tag exists, then TAG_EXISTS; with backup, the old digest is kept", async () => {
    const refused = await retag({ source: `${A}/${repo}:big`, targets: [`${A}/${repo}:multi`], overwrite: "refuse" });
    expect(refused.state).toBe("failed");
    expect(refused.error.code).toBe("TAG_EXISTS");
    expect(refused.attempts).toBe(1);

    const backed = await retag({ source: `${A}/${repo}:big`, targets: [`${A}/${repo}:multi`], overwrite: "backup" });
    expect(backed.state).toBe("completed");
    const backup: string = backed.result.targets[0].backup;
    expect(backup).toMatch(new RegExp(`^${A.replace(/\./g, "\\.")}/${repo}:multi-backup-\\d{8}T\\d{6}Z$`));
    const raw = await skopeo("inspect", "--tls-verify=false", "--raw", `docker://${backup}`);
    expect(rawDigest(raw)).toBe(multi.index.digest);
    const now = await skopeo("inspect", "--tls-verify=false", "--raw", `docker://${A}/${repo}:multi`);
    expect(rawDigest(now)).toBe(backed.result.sourceDigest);
  });

  it("when a target has no tag or names an unknown registry, then 400 or 422 naming the field", async () => {
    const post = (body: unknown) =>
      fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify(body) });
    const noTag = await post({ type: "retag", source: `${A}/${repo}:big`, targets: [`${A}/${repo}@${multi.amd64.digest}`] });
    expect(noTag.status).toBe(400);
    expect((await json(noTag)).errors[0].field).toBe("targets.0");
    const unknown = await post({ type: "retag", source: `${A}/${repo}:big`, targets: [`${A}/x:1`, "quay.io/x/y:1"] });
    expect(unknown.status).toBe(422);
    expect((await json(unknown)).errors[0].field).toBe("targets.1");
  });
});
