// Retag, daemon mode, on the real stack: Redis and two distribution registries in containers
// (B requires htpasswd basic auth, so the engine really gets the credentials through
// X-Registry-Auth), the Docker engine at DOCKER_HOST doing the pull, tag and push. skopeo and
// the engine itself check the results from the outside.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import net from "node:net";
import { Transform, type TransformCallback } from "node:stream";
import { promisify } from "node:util";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLock } from "../../src/locks/redis-lock.js";
import { headManifest } from "../../src/registry/manifest.js";
import { Remote } from "../../src/registry/remote.js";
import { registrySchema } from "../../src/registry/schema.js";
import { verifyCosignSignatures } from "../../src/sign/cosign/find.js";
import { signingKeyFromPem } from "../../src/sign/cosign/keys.js";
import { signImage } from "../../src/sign/cosign/sign.js";
import { docker, pushRandomImage, removeLocalImages } from "../helpers/push.js";
import { tieSockets } from "../helpers/socket-pair.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

const creds = { username: "ci", password: `pw-${Date.now()}` };
const wrongPassword = `wrong-${Date.now()}`;
let redis: StartedRedis;
let regA: StartedRegistry; // plain
let regB: StartedRegistry; // htpasswd basic auth
let wrongB: TcpProxy; // registry B under another address, configured with a wrong password
let slowB: TcpProxy; // registry B behind a slow upload link (a push can be cancelled midway), semver tags immutable
let svc: TestService;
const repo = `retag-daemon-${Date.now()}/app`;

// Asynchronous on purpose: skopeo may talk through the proxies that run in this process.
const skopeo = async (...args: string[]) => (await promisify(execFile)("skopeo", args, { encoding: "utf8" })).stdout;
const rawDigest = (raw: string) => `sha256:${createHash("sha256").update(raw).digest("hex")}`;
const credArg = `${creds.username}:${creds.password}`;

interface TcpProxy {
  host: string;
  /** Bytes forwarded from clients to the registry so far (what a push uploaded). */
  bytesUp(): number;
  close(): Promise<void>;
}

/** A TCP proxy to a registry; with a rate, client-to-registry bytes are throttled (a slow upload link). */
async function startTcpProxy(target: string, uploadBytesPerSecond?: number): Promise<TcpProxy> {
  const [host, port] = target.split(":");
  const sockets = new Set<net.Socket>();
  let up = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb: TransformCallback) {
        up += chunk.length;
        if (!uploadBytesPerSecond) return cb(null, chunk);
        setTimeout(() => cb(null, chunk), (chunk.length / uploadBytesPerSecond) * 1000);
      },
      highWaterMark: 16 * 1024,
    });
    tieSockets(sockets, client, upstream, counter);
    client.pipe(counter).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    bytesUp: () => up,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify({ type: "retag", mode: "daemon", ...body }),
  });
  const created = await json(res);
  if (res.status !== 202) throw new Error(JSON.stringify(created));
  return created.id as string;
}

async function retag(body: Record<string, unknown>): Promise<any> {
  const job = await waitForJob(svc.url, await submit(body), 60_000);
  if (job.state === "failed") console.error("retag failed:", JSON.stringify(job.error));
  return job;
}

const getJob = (id: string) => json(fetch(`${svc.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [redis, regA, regB] = await Promise.all([
    startRedis(),
    startRegistry(),
    startRegistry({ htpasswd: `ci:${bcrypt.hashSync(creds.password, 10)}\n` }),
  ]);
  wrongB = await startTcpProxy(regB.host);
  slowB = await startTcpProxy(regB.host, 4 * 1024 * 1024);
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      { id: "a", url: regA.url, kind: "distribution", insecure: true },
      { id: "b", url: regB.url, kind: "distribution", insecure: true, auth: creds },
      { id: "b-wrong", url: `http://${wrongB.host}`, kind: "distribution", insecure: true, auth: { username: "ci", password: wrongPassword } },
      { id: "b-slow", url: `http://${slowB.host}`, kind: "distribution", insecure: true, auth: creds, tagPolicy: { immutable: ["semver"] } },
    ],
  });
});

afterAll(async () => {
  await svc?.close();
  for (const registry of [regA?.host, regB?.host, wrongB?.host, slowB?.host]) {
    if (registry) await removeLocalImages(`${registry}/${repo}`);
  }
  await wrongB?.close();
  await slowB?.close();
  await Promise.all([redis?.container.stop(), regA?.container.stop(), regB?.container.stop()]);
});

describe("retag (daemon mode)", () => {
  let pushed: { digest: string; imageId: string; target: string };

  it("when an image is retagged to a registry with auth, then the host pulls, tags and pushes it, reports progress and keeps it", async () => {
    const img = await pushRandomImage(regA.host, repo, "v1", 256 * 1024);
    const target = `${regB.host}/${repo}:daemon`;
    const job = await retag({ source: img.ref, targets: [target] });
    expect(job.state).toBe("completed");
    expect(job.result).toMatchObject({ source: img.ref, sourceDigest: img.digest, host: "default", manifests: 1, blobsCopied: 1 });
    // A one-platform schema2 image that this engine compressed itself: the push writes the same manifest.
    expect(job.result.targets).toEqual([{ target, digest: img.digest, mediaType: "application/vnd.docker.distribution.manifest.v2+json", referrers: 0 }]);
    expect(job.result.bytesMoved).toBeGreaterThan(256 * 1024);
    expect(job.progress).toMatchObject({ phase: "pushing", host: "default", target: 1, of: 1, push: { layers: 1, layersDone: 1, layersPushed: 1 } });
    expect(job.progress.push.bytesDone).toBe(job.progress.push.bytesTotal);

    const raw = await skopeo("inspect", "--tls-verify=false", "--creds", credArg, "--raw", `docker://${target}`);
    expect(rawDigest(raw)).toBe(job.result.targets[0].digest);
    const onHost = await docker.getImage(target).inspect();
    expect(onHost.Id).toBe(img.imageId);
    expect(onHost.RepoTags).toContain(target);
    expect(onHost.RepoDigests).toContain(`${regA.host}/${repo}@${img.digest}`); // pulled by digest
    const image = await json(fetch(`${svc.url}/v1/images?ref=${encodeURIComponent(target)}`, { headers: auth(KEYS.read) }));
    expect(image.hosts.default).toMatchObject({ digest: img.digest, imageId: img.imageId });
    pushed = { digest: img.digest, imageId: img.imageId, target };
  });

  it("when overwrite is refuse and the tag names another image, then TAG_EXISTS at once; when it names this one, then it is unchanged", async () => {
    const other = await pushRandomImage(regB.host, repo, "taken", 0, creds);
    const refused = await retag({ source: `${regA.host}/${repo}:v1`, targets: [`${regB.host}/${repo}:taken`], overwrite: "refuse" });
    expect(refused.state).toBe("failed");
    expect(refused.error.code).toBe("TAG_EXISTS");
    expect(refused.attempts).toBe(1);
    const still = await skopeo("inspect", "--tls-verify=false", "--creds", credArg, "--raw", `docker://${regB.host}/${repo}:taken`);
    expect(rawDigest(still)).toBe(other.digest);

    const same = await retag({ source: `${regA.host}/${repo}:v1`, targets: [pushed.target], overwrite: "refuse" });
    expect(same.state).toBe("completed");
    expect(same.result.targets[0]).toMatchObject({ digest: pushed.digest, unchanged: true });
  });

  it("when overwrite is backup and the tag names another image, then its digest is kept as <tag>-backup-<time> first", async () => {
    const other = await pushRandomImage(regB.host, repo, "old", 0, creds);
    const job = await retag({ source: `${regA.host}/${repo}:v1`, targets: [`${regB.host}/${repo}:old`], overwrite: "backup" });
    expect(job.state).toBe("completed");
    const backup: string = job.result.targets[0].backup;
    expect(backup).toMatch(new RegExp(`^${regB.host.replace(/\./g, "\\.")}/${repo}:old-backup-\\d{8}T\\d{6}Z$`));
    expect(rawDigest(await skopeo("inspect", "--tls-verify=false", "--creds", credArg, "--raw", `docker://${backup}`))).toBe(other.digest);
    const now = await skopeo("inspect", "--tls-verify=false", "--creds", credArg, "--raw", `docker://${regB.host}/${repo}:old`);
    expect(rawDigest(now)).toBe(job.result.targets[0].digest);
  });

  it("when the target registry makes semver tags immutable, then a push that would move one fails TAG_POLICY", async () => {
    const first = await retag({ source: `${regA.host}/${repo}:v1`, targets: [`${slowB.host}/${repo}:1.0.0`] });
    expect(first.state).toBe("completed");
    const other = await pushRandomImage(regA.host, repo, "v2");
    const moved = await retag({ source: other.ref, targets: [`${slowB.host}/${repo}:1.0.0`] });
    expect(moved.state).toBe("failed");
    expect(moved.error.code).toBe("TAG_POLICY");
    expect(moved.attempts).toBe(1);
    const still = await skopeo("inspect", "--tls-verify=false", "--creds", credArg, "--raw", `docker://${regB.host}/${repo}:1.0.0`);
    expect(rawDigest(still)).toBe(first.result.targets[0].digest);
  });

  it("when the target registry's password is wrong, then UNAUTHORIZED without retries, and the password is nowhere in the job or the log", async () => {
    const id = await submit({ source: `${regA.host}/${repo}:v1`, targets: [`${wrongB.host}/${repo}:denied`] });
    const job = (await waitForJob(svc.url, id, 60_000)) as any;
    expect(job.state).toBe("failed");
    expect(job.error.code).toBe("UNAUTHORIZED");
    expect(job.error.message).toMatch(/unauthorized/i);
    expect(job.attempts).toBe(1);
    const text = await (await fetch(`${svc.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) })).text();
    expect(text).not.toContain(wrongPassword);
    expect(text).not.toContain(creds.password);
    expect(svc.logs()).toContain(id);
    expect(svc.logs()).not.toContain(wrongPassword);
    expect(svc.logs()).not.toContain(creds.password);
  });

  it("when a running push is cancelled, then the job ends cancelled and the engine stops uploading", async () => {
    const size = 48 * 1024 * 1024; // 12 s through the 4 MiB/s link
    const big = await pushRandomImage(regA.host, repo, "big", size);
    const target = `${slowB.host}/${repo}:big`;
    const id = await submit({ source: big.ref, targets: [target] });
    let job: any;
    for (let i = 0; i < 400; i++) {
      job = await getJob(id);
      if (job.state !== "active" && job.state !== "queued") break;
      if (job.progress?.phase === "pushing" && job.progress.push.bytesDone > 0) break;
      await sleep(50);
    }
    expect(job.progress).toMatchObject({ phase: "pushing" });
    const res = await fetch(`${svc.url}/v1/jobs/${id}`, { method: "DELETE", headers: auth(KEYS.write) });
    const cancelled = await json(res);
    expect(res.status).toBe(200);
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.error.code).toBe("CANCELLED");
    // Socket buffers still hold a few MiB the engine wrote before it stopped; once they have
    // drained, the count settles, far below the layer's size.
    let uploaded = -1;
    for (let i = 0; i < 40 && slowB.bytesUp() !== uploaded; i++) {
      uploaded = slowB.bytesUp();
      await sleep(1000);
    }
    expect(slowB.bytesUp()).toBe(uploaded);
    expect(uploaded).toBeLessThan(size / 2);
    const head = await fetch(`${regB.url}/v2/${repo}/manifests/big`, {
      method: "HEAD",
      headers: { authorization: `Basic ${Buffer.from(credArg).toString("base64")}`, accept: "application/vnd.docker.distribution.manifest.v2+json" },
    });
    expect(head.status).toBe(404);
  });

  const post = (body: unknown) =>
    fetch(`${svc.url}/v1/jobs`, { method: "POST", headers: { ...auth(KEYS.write), "content-type": "application/json" }, body: JSON.stringify(body) });

  it("when a cosign-signed image is pushed by the host with its own digest, then its signature is copied to the target and verifies there", async () => {
    const img = await pushRandomImage(regA.host, repo, "cosigned");
    const conn = redis.client("retag-daemon-test");
    const remoteA = new Remote(registrySchema.parse({ id: "a", url: regA.url, kind: "distribution", insecure: true }));
    const remoteB = new Remote(registrySchema.parse({ id: "b", url: regB.url, kind: "distribution", insecure: true, auth: creds }));
    try {
      const key = signingKeyFromPem(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string);
      const subject = await headManifest(remoteA, { domain: regA.host, path: repo, digest: img.digest });
      await signImage(remoteA, { domain: regA.host, path: repo, digest: img.digest }, subject, { key, lock: new RedisLock(conn, `{daemon-${randomUUID()}}:lock:`) });
      const job = await retag({ source: img.ref, targets: [`${regB.host}/${repo}:cosigned`] });
      expect(job.state).toBe("completed");
      expect(job.result).toMatchObject({ referrers: 1, targets: [{ digest: img.digest, referrers: 1 }] });
      const verified = await verifyCosignSignatures(remoteB, { domain: regB.host, path: repo, digest: img.digest }, { publicKeys: [key.publicKey] });
      expect(verified.map((v) => v.verified)).toEqual([true]);
    } finally {
      conn.disconnect();
      await Promise.all([remoteA.close(), remoteB.close()]);
    }
  });

  it("when platforms are asked for in daemon mode, or a host in registry mode, then 400 naming the field", async () => {
    const platforms = await post({ type: "retag", mode: "daemon", source: `${regA.host}/${repo}:v1`, targets: [`${regB.host}/${repo}:p`], platforms: ["linux/amd64"] });
    expect(platforms.status).toBe(400);
    expect((await json(platforms)).errors).toEqual([{ field: "platforms", message: expect.stringContaining("daemon") }]);
    const host = await post({ type: "retag", source: `${regA.host}/${repo}:v1`, targets: [`${regB.host}/${repo}:h`], host: "default" });
    expect(host.status).toBe(400);
    expect((await json(host)).errors).toEqual([{ field: "host", message: expect.stringContaining("daemon") }]);
  });

  it("when the Docker host is not configured, then 422 HOST_NOT_CONFIGURED naming host, and no job", async () => {
    const res = await post({ type: "retag", mode: "daemon", source: `${regA.host}/${repo}:v1`, targets: [`${regB.host}/${repo}:nohost`], host: "elsewhere" });
    const body = await json(res);
    expect([res.status, body.code, body.errors[0].field]).toEqual([422, "HOST_NOT_CONFIGURED", "host"]);
  });
});
