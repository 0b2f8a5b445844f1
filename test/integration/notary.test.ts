// The Notary client on a real notary-server over TLS (container) and a real Redis: signing,
// look-ups from fresh trust dirs, concurrent signing under the per-GUN Redis lock (one process
// and two), failures mapped to codes with hints that never carry a passphrase, delegations, and
// the "--" guard of the real notary CLI.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegopsError } from "../../src/errors.js";
import { RedisLock } from "../../src/sign/notary-v1/lock.js";
import { Notary, type NotaryDeps } from "../../src/sign/notary-v1/notary.js";
import type { NotaryConfig } from "../../src/sign/notary-v1/schema.js";
import { notaryConfig, startNotaryServer, type StartedNotary } from "../helpers/notary.js";
import { startRedis, type StartedRedis } from "../helpers/stack.js";

const run = promisify(execFile);
let redis: StartedRedis;
let server: StartedNotary;
let conn: Redis;
let admin: Notary;
let adminConfig: NotaryConfig;
const warnings: string[] = [];
const lockPrefix = `{t-${randomBytes(4).toString("hex")}}:store:notary:lock:`;
const ns = `it-${Date.now()}`;
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const gun = (name: string) => `127.0.0.1:5000/${ns}/${name}`;

function deps(extra: Partial<NotaryDeps> = {}): NotaryDeps {
  return { redis: conn, lockPrefix, logger: { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`) }, ...extra };
}

/** The notary CLI on its own: a fresh trust dir, no regops code involved. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), "regops-notary-cli-"));
  try {
    const r = await run("notary", ["-s", server.url, "--tlscacert", server.caPath, "-d", dir, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: dir } });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

async function caught(p: Promise<unknown>): Promise<RegopsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RegopsError) return err;
    throw err;
  }
  throw new Error("expected a RegopsError");
}

beforeAll(async () => {
  [redis, server] = await Promise.all([startRedis(), startNotaryServer()]);
  conn = new Redis(redis.url);
  adminConfig = notaryConfig(undefined, server);
  admin = new Notary(adminConfig, deps());
}, 120_000);

afterAll(async () => {
  conn?.disconnect();
  await Promise.all([redis?.container.stop(), server?.container.stop()]);
});

describe("Notary on a real notary-server", () => {
  it("when a tag is signed, then lookup returns its digest and size, and an independent notary CLI sees it", async () => {
    const g = gun("app");
    const first = await admin.sign(g, "v1", digest(1), 523);
    expect(first).toMatchObject({ role: "targets", repoCreated: true });
    expect(await admin.lookup(g, "v1")).toEqual({ digest: digest(1), size: 523, role: "targets" });
    const seen = await cli("lookup", "--", g, "v1");
    expect(seen).toEqual({ code: 0, out: `v1 ${digest(1)} 523\n` });
    // an existing GUN is never re-initialised
    expect(await admin.sign(g, "v2", digest(2), 600)).toMatchObject({ repoCreated: false });
    expect(await admin.list(g)).toEqual([
      { tag: "v1", digest: digest(1), size: 523, role: "targets" },
      { tag: "v2", digest: digest(2), size: 600, role: "targets" },
    ]);
    // the snapshot key is the server's: no local one was kept
    const keys = await admin.keys();
    expect(keys.filter((k) => k.gun === g || (k.gun?.startsWith("...") && g.endsWith(k.gun.slice(3)))).map((k) => k.role)).toEqual(["targets"]);
    expect(JSON.stringify(keys)).not.toMatch(/PRIVATE KEY/);
  });

  it("when the real notary CLI gets flag-like positionals after --, then it takes them as a GUN, not as flags", async () => {
    const help = await cli("lookup", "--", "--help", "v1");
    expect(help.code).toBe(1);
    expect(help.out).toContain("does not have trust data for --help");
    expect(help.out).not.toContain("Usage:");
    const server2 = await cli("lookup", "--", "-s", "http://evil.example", "v1");
    expect(server2.out).toContain("does not have trust data for -s");
  });

  it("when a tag is not signed, or the GUN has no trust data, then lookup answers undefined", async () => {
    const g = gun("app");
    await admin.sign(g, "signed", digest(3), 10);
    expect(await admin.lookup(g, "unsigned")).toBeUndefined();
    expect(await admin.lookup(gun("never-signed"), "v1")).toBeUndefined();
    expect(await admin.list(gun("never-signed"))).toEqual([]);
  });

  it("when 10 sign jobs hit one GUN at once, then all 10 succeed and all 10 are listed", async () => {
    const g = gun("busy");
    const tags = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const results = await Promise.all(tags.map((t, i) => admin.sign(g, t, digest(100 + i), 100 + i)));
    expect(results.filter((r) => r.repoCreated)).toHaveLength(1);
    const listed = await admin.list(g);
    expect(listed.map((t) => t.tag).sort()).toEqual([...tags].sort());
    for (const [i, t] of tags.entries()) expect(listed.find((l) => l.tag === t)).toMatchObject({ digest: digest(100 + i), size: 100 + i });
  });

  it("when 10 GUNs are signed in parallel, then all succeed", async () => {
    const guns = Array.from({ length: 10 }, (_, i) => gun(`parallel-${i}`));
    const results = await Promise.all(guns.map((g, i) => admin.sign(g, "v1", digest(200 + i), 50)));
    expect(results.every((r) => r.repoCreated)).toBe(true);
    const found = await Promise.all(guns.map((g) => admin.lookup(g, "v1")));
    expect(found.map((f) => f?.digest)).toEqual(guns.map((_, i) => digest(200 + i)));
  });

  it("when two worker processes (two Notary instances, own Redis connections) sign one GUN at once, then both succeed", async () => {
    const g = gun("two-workers");
    const other = new Redis(redis.url);
    try {
      const workerA = new Notary(adminConfig, deps());
      const workerB = new Notary(adminConfig, deps({ redis: other }));
      const jobs = Array.from({ length: 6 }, (_, i) => (i % 2 ? workerA : workerB).sign(g, `w${i}`, digest(300 + i), 70));
      const results = await Promise.all(jobs);
      expect(results).toHaveLength(6);
      expect((await workerA.list(g)).map((t) => t.tag).sort()).toEqual(["w0", "w1", "w2", "w3", "w4", "w5"]);
    } finally {
      other.disconnect();
    }
  });

  it("when the targets passphrase is wrong, then NOTARY_FAILED with a hint naming it, and the passphrase is in no message, hint, JSON or log", async () => {
    const g = gun("app");
    const wrong = `wrong-targets-${randomBytes(6).toString("hex")}`;
    const bad = new Notary({ ...adminConfig, passphrases: { ...adminConfig.passphrases, targets: wrong } }, deps());
    const err = await caught(bad.sign(g, "bad", digest(9), 10));
    expect(err.code).toBe("NOTARY_FAILED");
    expect(err.hint).toContain("notary.passphrases.targets");
    const everything = JSON.stringify([err.message, err.hint, err.toJSON(), String(err.stack), warnings]);
    expect(everything).not.toContain(wrong);
    for (const secret of Object.values(adminConfig.passphrases)) expect(everything).not.toContain(secret);
    // the failed change was dropped: the next sign publishes only its own tag
    await admin.sign(g, "after-bad", digest(10), 10);
    expect((await admin.list(g)).map((t) => t.tag)).not.toContain("bad");
  });

  it("when the root passphrase is wrong, then signing a new GUN fails with NOTARY_FAILED naming the root passphrase", async () => {
    const wrong = `wrong-root-${randomBytes(6).toString("hex")}`;
    const bad = new Notary({ ...adminConfig, passphrases: { ...adminConfig.passphrases, root: wrong } }, deps());
    const err = await caught(bad.sign(gun("new-with-bad-root"), "v1", digest(11), 10));
    expect(err.code).toBe("NOTARY_FAILED");
    expect(err.hint).toContain("notary.passphrases.root");
    expect(JSON.stringify([err.message, err.hint, err.toJSON()])).not.toContain(wrong);
    // with the right one, the same GUN is created afterwards
    expect(await admin.sign(gun("new-with-bad-root"), "v1", digest(11), 10)).toMatchObject({ repoCreated: true });
  });

  it("when the server is unreachable or its CA unknown, then NOTARY_UNREACHABLE (retryable)", async () => {
    const down = new Notary({ ...adminConfig, server: "https://127.0.0.1:1" }, deps());
    for (const p of [down.lookup(gun("app"), "v1"), down.sign(gun("app"), "v9", digest(12), 10)]) {
      const err = await caught(p);
      expect([err.code, err.retryable]).toEqual(["NOTARY_UNREACHABLE", true]);
      expect(err.message).toMatch(/client is offline.*connection refused/);
    }
    const { rootCa: _ca, ...noCa } = adminConfig;
    const err = await caught(new Notary({ ...noCa, trustDir: mkdtempSync(join(tmpdir(), "regops-noca-")) }, deps()).lookup(gun("app"), "v1"));
    expect(err.code).toBe("NOTARY_UNREACHABLE");
    expect(err.message).toContain("x509");
  });

  it("when a delegation is added, then a CI signer with only the delegation key and passphrase signs as targets/releases", async () => {
    const g = gun("delegated");
    await admin.sign(g, "base", digest(20), 10);
    const dir = mkdtempSync(join(tmpdir(), "regops-ci-"));
    const keyPath = join(dir, "ci.key");
    await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyPath]);
    const cert = (await run("openssl", ["req", "-new", "-x509", "-key", keyPath, "-days", "2", "-subj", "/CN=ci-signer"], { encoding: "utf8" })).stdout;
    await admin.addDelegation(g, "targets/releases", cert);
    const [delegation] = await admin.delegations(g);
    expect(delegation).toMatchObject({ role: "targets/releases", allPaths: true, threshold: 1 });
    expect(delegation!.keyIds).toHaveLength(1);

    const ciConfig = notaryConfig(undefined, server, {
      role: "targets/releases",
      delegationKeys: [{ role: "targets/releases", key: keyPath }],
      passphrases: { delegation: `ci-${randomBytes(6).toString("hex")}` },
    });
    const ci = new Notary({ ...ciConfig, passphrases: { delegation: ciConfig.passphrases.delegation } }, deps());
    expect(await ci.sign(g, "v2", digest(21), 30)).toEqual({ role: "targets/releases", repoCreated: false, ms: expect.any(Number) });
    expect(await ci.sign(g, "v3", digest(22), 31)).toMatchObject({ role: "targets/releases" }); // key imported once
    expect(await ci.lookup(g, "v2")).toEqual({ digest: digest(21), size: 30, role: "targets/releases" });
    expect(await ci.lookup(g, "base", { role: "targets/releases" })).toBeUndefined();
    expect((await ci.keys()).map((k) => [k.role, k.keyId])).toEqual([["targets/releases", delegation!.keyIds[0]]]);
    // the CI signer cannot sign the base role
    const err = await caught(ci.sign(g, "v4", digest(23), 32, { role: "targets" }));
    expect([err.code, err.hint]).toEqual(["NOTARY_FAILED", expect.stringContaining("notary.passphrases.targets")]);
  });

  it("when the targets key is rotated, then signing goes on with the new key", async () => {
    const g = gun("rotated");
    await admin.sign(g, "v1", digest(30), 10);
    const before = (await admin.keys()).filter((k) => k.role === "targets").map((k) => k.keyId);
    await admin.rotateKey(g, "targets");
    const after = (await admin.keys()).filter((k) => k.role === "targets").map((k) => k.keyId);
    expect(after.filter((k) => !before.includes(k))).toHaveLength(1);
    await admin.sign(g, "v2", digest(31), 10);
    expect((await cli("list", "--", g)).out).toMatch(/v1[\s\S]*v2/);
  });

  it("when a GUN was initialised but its snapshot key never handed to the server, then the next sign repairs that", async () => {
    const g = gun("half-created");
    const config = notaryConfig(undefined, server);
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: config.trustDir,
      NOTARY_ROOT_PASSPHRASE: config.passphrases.root!,
      NOTARY_TARGETS_PASSPHRASE: config.passphrases.targets!,
      NOTARY_SNAPSHOT_PASSPHRASE: "lost-snapshot-passphrase",
    };
    const notary = new Notary({ ...config, passphrases: { root: config.passphrases.root, targets: config.passphrases.targets } }, deps());
    await notary.keys(); // writes the client config
    const clientConfig = readdirSync(config.trustDir).find((f) => f.startsWith("regops-client-"))!;
    await run("notary", ["-c", join(config.trustDir, clientConfig), "init", "-p", "--", g], { env });
    expect(await notary.sign(g, "v1", digest(40), 10)).toMatchObject({ repoCreated: false });
    expect(warnings.filter((w) => w.includes(g))).toEqual([expect.stringContaining("snapshot key is still local")]);
    expect(await notary.lookup(g, "v1")).toMatchObject({ digest: digest(40) });
  });
});

describe("RedisLock on a real Redis", () => {
  const lock = () => new RedisLock(conn, `${lockPrefix}unit:`, { ttlMs: 300, maxWaitMs: 5000, pollMs: 5 });

  it("when many take one lock, then one holds it at a time; other names run alongside", async () => {
    let holders = 0;
    let most = 0;
    const work = (name: string) =>
      lock().withLock(name, async () => {
        most = Math.max(most, ++holders);
        await new Promise((r) => setTimeout(r, 20));
        holders--;
      });
    await Promise.all(Array.from({ length: 8 }, () => work("one")));
    expect(most).toBe(1);

    // Three names: each holder keeps its lock until all three are held at once. Were the names
    // one lock, the second and third would give up with TIMEOUT after maxWaitMs instead.
    let allHeld!: () => void;
    const barrier = new Promise<void>((r) => (allHeld = r));
    let held = 0;
    const together = (name: string) =>
      lock().withLock(name, async () => {
        if (++held === 3) allHeld();
        await barrier;
      });
    await Promise.all(["a", "b", "c"].map(together));
    expect(held).toBe(3);
  });

  it("when the holder outlives the ttl, then renewal keeps the lock; a waiter gives up with TIMEOUT after maxWaitMs", async () => {
    const l = lock();
    let waited: unknown;
    await l.withLock("slow", async () => {
      waited = await new RedisLock(conn, `${lockPrefix}unit:`, { ttlMs: 300, maxWaitMs: 700, pollMs: 5 }).withLock("slow", async () => "got it").catch((e: unknown) => e);
    });
    expect(waited).toMatchObject({ code: "TIMEOUT" });
  });

  it("when a waiter's signal aborts, then it stops waiting with the signal's reason", async () => {
    const ctrl = new AbortController();
    await lock().withLock("abort", async () => {
      const waiting = lock().withLock("abort", async () => "never", { signal: ctrl.signal });
      setTimeout(() => ctrl.abort(new Error("cancelled")), 50);
      await expect(waiting).rejects.toThrow("cancelled");
    });
  });

  it("when the lock is taken away from its holder, then the holder's signal aborts and release leaves the new owner's lock alone", async () => {
    const key = `${lockPrefix}unit:stolen`;
    const reason = await lock().withLock("stolen", async (signal) => {
      await conn.set(key, "someone-else");
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
      return signal.reason as RegopsError;
    });
    expect(reason.code).toBe("TIMEOUT");
    expect(await conn.get(key)).toBe("someone-else");
    await conn.del(key);
  });
});
