// Notary v1 (Docker Content Trust) through the notary CLI: sign a tag's digest, look it up, and
// the few admin operations around them. Every write to a GUN runs under a Redis lock per GUN
// (concurrent writers to one GUN fail or publish unreliably), starts and ends a failure with
// `reset --all` (a failed publish leaves its change staged, and the next publish would send
// it), and re-runs `publish` when the server rejects an update another writer raced. Reads use
// a fresh trust dir each time: a warm one silently answers from cache when the server is down.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Redis } from "ioredis";
import { badRequest, RegopsError } from "../../errors.js";
import { checkDelegationRole, checkGun, checkPathPrefix, checkRole, checkTag, notaryArgs } from "./args.js";
import { NotaryCli, execRunner, type NotaryRunner, type PassphraseName, type RunResult } from "./cli.js";
import { classify, toRegopsError, type FailureContext } from "./failure.js";
import { RedisLock, type LockOptions } from "./lock.js";
import { parseDelegations, parseKeys, parseTargets, type Delegation, type NotaryKey, type SignedTarget } from "./parse.js";
import type { NotaryConfig } from "./schema.js";

export type { Delegation, NotaryKey, SignedTarget } from "./parse.js";
export type { NotaryRunner, RunOptions, RunResult } from "./cli.js";

export interface NotaryDeps {
  redis: Redis;
  /** Prefix of the per-GUN lock keys, e.g. storeKeys(prefix).notaryLock. */
  lockPrefix: string;
  /** Runs the notary CLI; tests inject a fake. Default: the `notary` on PATH. */
  runner?: NotaryRunner;
  lock?: LockOptions;
  logger?: { warn(obj: object, msg: string): void };
}

export interface SignResult {
  role: string;
  /** True when this call created the GUN on the server (init + server-managed snapshot). */
  repoCreated: boolean;
  ms: number;
}

interface Opts {
  signal?: AbortSignal;
}

// Not a GUN (GUNs never start with "#"): serialises trust-dir-wide changes (root key creation at
// init, delegation key imports) across processes.
const TRUST_DIR_LOCK = "#trust-dir";
const PUBLISH_RETRIES = 3;

export class Notary {
  private readonly cli: NotaryCli;
  private readonly lock: RedisLock;
  private readonly imports = new Map<string, Promise<void>>();

  constructor(
    private readonly config: NotaryConfig,
    private readonly deps: NotaryDeps,
  ) {
    this.cli = new NotaryCli(config, deps.runner ?? execRunner());
    this.lock = new RedisLock(deps.redis, deps.lockPrefix, deps.lock);
  }

  /** Signs `tag` = `digest` (a manifest's sha256 and length) in `gun`, as `role` (default: config.role). */
  async sign(gun: string, tag: string, digest: string, size: number, opts: Opts & { role?: string } = {}): Promise<SignResult> {
    const t0 = performance.now();
    const role = checkRole(opts.role ?? this.config.role);
    const args = notaryArgs.addhash(gun, tag, size, digest, role); // every value checked before anything runs
    if (role !== "targets") await this.importDelegationKeys(role, opts.signal);
    const key: PassphraseName = role === "targets" ? "targets" : "delegation";
    const ctx = this.ctx({ op: "sign", gun, key, role }, [key]);
    return this.writing(gun, opts.signal, async (signal) => {
      const repoCreated = await this.ensureRepo(gun, signal);
      const res = await this.publishing(args, gun, [key, "snapshot"], signal);
      if (res.code === 0) return { role, repoCreated, ms: Math.round(performance.now() - t0) };
      const failure = classify(res);
      if ((failure.kind === "passphrase" || failure.kind === "keys") && role === "targets" && (await this.repairLocalSnapshot(gun, signal))) {
        await this.must(notaryArgs.reset(gun), { signal }, { op: "reset", gun });
        await this.mustPublish(args, gun, [key, "snapshot"], signal, ctx);
        return { role, repoCreated, ms: Math.round(performance.now() - t0) };
      }
      throw toRegopsError(failure, ctx);
    });
  }

  /** The signed digest of `tag`, or undefined when it is unsigned (or the GUN has no trust data). Only from `role` when given. */
  async lookup(gun: string, tag: string, opts: Opts & { role?: string } = {}): Promise<{ digest: string; size: number; role: string } | undefined> {
    checkTag(tag);
    const hit = (await this.list(gun, opts)).find((t) => t.tag === tag);
    return hit && { digest: hit.digest, size: hit.size, role: hit.role };
  }

  /** Signed targets of `gun` (a tag signed in several roles appears once, as notary resolves it: targets first). */
  async list(gun: string, opts: Opts & { role?: string } = {}): Promise<SignedTarget[]> {
    const args = notaryArgs.list(gun, opts.role);
    const out = await this.readFresh(args, { op: "list", gun }, opts.signal);
    return out === undefined ? [] : parseTargets(out);
  }

  async delegations(gun: string, opts: Opts = {}): Promise<Delegation[]> {
    const out = await this.readFresh(notaryArgs.delegationList(gun), { op: "delegation list", gun }, opts.signal);
    return out === undefined ? [] : parseDelegations(out);
  }

  /** Keys in the trust dir: role, GUN, key id, location. Never any private material. */
  async keys(opts: Opts = {}): Promise<NotaryKey[]> {
    return parseKeys(await this.must(notaryArgs.keyList(), { signal: opts.signal }, { op: "key list" }));
  }

  /** Lets the holder of `certPem`'s key sign as `role` (targets/…), for tags starting with `paths` (default: all). */
  async addDelegation(gun: string, role: string, certPem: string, paths?: readonly string[], opts: Opts = {}): Promise<void> {
    checkGun(gun);
    checkDelegationRole(role);
    paths?.forEach(checkPathPrefix);
    if (!/^-----BEGIN (CERTIFICATE|PUBLIC KEY)-----/m.test(certPem)) {
      throw badRequest([{ field: "certPem", message: "expected a PEM certificate or public key" }]);
    }
    const dir = await mkdtemp(join(tmpdir(), "regops-delegation-"));
    try {
      const certPath = join(dir, "delegate.crt");
      await writeFile(certPath, certPem, { mode: 0o600 });
      const args = notaryArgs.delegationAdd(gun, role, certPath, paths);
      const ctx = this.ctx({ op: "delegation add", gun, key: "targets" }, ["targets"]);
      await this.writing(gun, opts.signal, (signal) => this.mustPublish(args, gun, ["targets", "snapshot"], signal, ctx));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A new targets key (kept in the trust dir), or hands the snapshot key to the server. */
  async rotateKey(gun: string, role: "targets" | "snapshot", opts: Opts = {}): Promise<void> {
    const args = notaryArgs.rotate(gun, role);
    const ctx = this.ctx({ op: `key rotate ${role}`, gun, key: "root" }, role === "snapshot" ? ["root"] : ["root", "targets"]);
    await this.writing(gun, opts.signal, (signal) => this.must(args, { passphrases: ["root", "targets", "snapshot"], signal }, ctx));
  }

  // --- writes -----------------------------------------------------------------------------

  /** Under the GUN's lock: clear leftovers, run `fn`, and drop its staged changes if it fails. */
  private writing<T>(gun: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.lock.withLock(
      gun,
      async (held) => {
        await this.must(notaryArgs.reset(gun), { signal: held }, { op: "reset", gun });
        try {
          return await fn(held);
        } catch (err) {
          // No signal: even after an abort, nothing may stay staged for the next publish.
          const res = await this.cli.run(notaryArgs.reset(gun)).catch(() => undefined);
          if (res?.code !== 0) this.deps.logger?.warn({ gun }, "notary reset after a failed write failed; the next write resets again");
          throw err;
        }
      },
      { signal },
    );
  }

  /** A new GUN gets `init -p` and a server-managed snapshot key; an existing one is never re-initialised. */
  private async ensureRepo(gun: string, signal: AbortSignal): Promise<boolean> {
    const res = await this.cli.run(notaryArgs.list(gun), { signal });
    if (res.code === 0) return false;
    const failure = classify(res);
    if (failure.kind !== "no-trust-data") throw toRegopsError(failure, this.ctx({ op: "list", gun }, []));
    // The local snapshot key only lives until the rotation below; without a configured
    // passphrase it gets a throwaway one.
    const overrides = this.config.passphrases.snapshot ? {} : { snapshot: randomBytes(24).toString("base64url") };
    await this.lock.withLock(
      TRUST_DIR_LOCK, // one root key for all GUNs, even when the first ones are signed in parallel
      (held) => this.must(notaryArgs.init(gun), { passphrases: ["root", "targets", "snapshot"], overrides, signal: held }, this.ctx({ op: "init", gun, key: "root" }, ["root", "targets"])),
      { signal },
    );
    await this.must(notaryArgs.rotate(gun, "snapshot"), { passphrases: ["root"], signal }, this.ctx({ op: "key rotate snapshot", gun, key: "root" }, ["root"]));
    return true;
  }

  /** Runs a publishing command; when the server rejects the update (a raced writer), publishes again. */
  private async publishing(args: string[], gun: string, passphrases: PassphraseName[], signal: AbortSignal): Promise<RunResult> {
    let res = await this.cli.run(args, { passphrases, signal });
    for (let attempt = 1; attempt <= PUBLISH_RETRIES && res.code !== 0 && classify(res).kind === "rejected"; attempt++) {
      this.deps.logger?.warn({ gun, attempt }, "notary server rejected the update; publishing again");
      await new Promise((r) => setTimeout(r, 100 * attempt));
      res = await this.cli.run(notaryArgs.publish(gun), { passphrases, signal });
    }
    return res;
  }

  private async mustPublish(args: string[], gun: string, passphrases: PassphraseName[], signal: AbortSignal, ctx: FailureContext): Promise<void> {
    const res = await this.publishing(args, gun, passphrases, signal);
    if (res.code !== 0) throw toRegopsError(classify(res), ctx);
  }

  /**
   * A GUN whose init succeeded but whose snapshot rotation did not still has a local snapshot
   * key (maybe under a throwaway passphrase): hand it to the server. True when it did.
   */
  private async repairLocalSnapshot(gun: string, signal: AbortSignal): Promise<boolean> {
    const keys = await this.keys({ signal });
    const mine = (k: NotaryKey) => k.gun === gun || (k.gun?.startsWith("...") && gun.endsWith(k.gun.slice(3)));
    if (!keys.some((k) => k.role === "snapshot" && mine(k))) return false;
    this.deps.logger?.warn({ gun }, "notary snapshot key is still local; rotating it to the server");
    await this.must(notaryArgs.rotate(gun, "snapshot"), { passphrases: ["root"], signal }, this.ctx({ op: "key rotate snapshot", gun, key: "root" }, ["root"]));
    return true;
  }

  /** Imports config.delegationKeys of `role` into the trust dir, once (a marker per key content). */
  private importDelegationKeys(role: string, signal?: AbortSignal): Promise<void> {
    let done = this.imports.get(role);
    if (!done) {
      done = this.importNow(role, signal);
      this.imports.set(role, done);
      done.catch(() => this.imports.delete(role));
    }
    return done;
  }

  private async importNow(role: string, signal?: AbortSignal): Promise<void> {
    const markers = join(this.config.trustDir, "regops-imported");
    for (const { key } of this.config.delegationKeys.filter((k) => k.role === role)) {
      const path = resolve(key);
      const pem = await readFile(path).catch((err: NodeJS.ErrnoException) => {
        throw new RegopsError("NOTARY_FAILED", `cannot read the delegation key for ${role}: ${err.code ?? err.message}`, {
          hint: `check notary.delegationKeys: ${path} must be a readable PEM private key`,
        });
      });
      const marker = join(markers, createHash("sha256").update(`${role}\0`).update(pem).digest("hex"));
      if (await exists(marker)) continue;
      await this.lock.withLock(
        TRUST_DIR_LOCK,
        async (held) => {
          if (await exists(marker)) return;
          const ctx = this.ctx({ op: "key import", key: "delegation", role }, ["delegation"]);
          await this.must(notaryArgs.keyImport(path, role), { passphrases: ["delegation"], signal: held }, ctx);
          await mkdir(markers, { recursive: true, mode: 0o700 });
          await writeFile(marker, `${role}\n`);
        },
        { signal },
      );
    }
  }

  // --- plumbing ---------------------------------------------------------------------------

  /** A read from a fresh trust dir; undefined when the server has no trust data for the GUN. */
  private async readFresh(args: string[], ctx: FailureContext, signal?: AbortSignal): Promise<string | undefined> {
    const res = await this.cli.withFreshTrustDir((configPath) => this.cli.run(args, { configPath, signal }));
    if (res.code === 0) return res.stdout;
    const failure = classify(res);
    if (failure.kind === "no-trust-data") return undefined;
    throw toRegopsError(failure, this.ctx(ctx, []));
  }

  private async must(args: string[], opts: { passphrases?: PassphraseName[]; overrides?: Partial<Record<PassphraseName, string>>; signal?: AbortSignal }, ctx: FailureContext): Promise<string> {
    const res = await this.cli.run(args, opts);
    if (res.code === 0) return res.stdout;
    throw toRegopsError(classify(res), { timeoutMs: this.config.timeoutMs, ...ctx });
  }

  /** The failure context, with the needed passphrases the config lacks. */
  private ctx(ctx: FailureContext, needs: PassphraseName[]): FailureContext {
    return { ...ctx, missing: needs.filter((p) => !this.config.passphrases[p]), timeoutMs: this.config.timeoutMs };
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
