// The two peers regops is compared with, each resolving tags to digests on the same registry:
//  - raw HEAD: what the registry can do for a client that does nothing else (undici keep-alive),
//    sequential (the reference) and with N requests in flight (regops runs jobs
//    concurrently, so this is the honest ceiling for it). Also, for comparison, N in flight
//    with a new connection per HEAD, which is what undici does by default (see RawHead);
//  - skopeo: `skopeo inspect` per tag, what users run today to get a digest.
import { execFile } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import { promisify } from "node:util";
import { Pool } from "undici";
import { MANIFEST_ACCEPT } from "../../src/registry/manifest.js";

const run = promisify(execFile);

export interface RoundResult {
  /** Wall time of the round, ms. */
  ms: number;
  /** tag -> digest the contender saw. */
  digests: Map<string, string>;
}

/** Runs `fn` over `items` with at most `width` in flight, in order of `items`. */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** HEAD /v2/<repo>/manifests/<tag> over an undici pool, with regops' own Accept list. */
export class RawHead {
  private readonly pool: Pool;

  /**
   * keepAlive false is undici's default for HEAD: it sends `connection: close` and opens a new
   * connection for every HEAD (a guard against servers that send a body after a HEAD,
   * nodejs/undici#258). `reset: false` on the request opts out (nodejs/undici#1858), which is
   * what a keep-alive HEAD loop needs.
   */
  constructor(
    base: string,
    private readonly repo: string,
    connections: number,
    private readonly keepAlive = true,
  ) {
    this.pool = new Pool(base, { connections, keepAliveTimeout: 30_000 });
  }

  async digestOf(tag: string): Promise<string> {
    const res = await this.pool.request({
      method: "HEAD",
      path: `/v2/${this.repo}/manifests/${tag}`,
      headers: { accept: MANIFEST_ACCEPT },
      reset: this.keepAlive ? false : undefined,
    });
    await res.body.dump();
    const digest = res.headers["docker-content-digest"];
    if (res.statusCode !== 200 || typeof digest !== "string") throw new Error(`HEAD ${this.repo}:${tag} answered ${res.statusCode}`);
    return digest;
  }

  /** All tags with `width` requests in flight (1 = the plain sequential loop). */
  async round(tags: readonly string[], width: number): Promise<RoundResult> {
    const digests = new Map<string, string>();
    const started = performance.now();
    await inParallel(tags, width, async (tag) => {
      digests.set(tag, await this.digestOf(tag));
    });
    return { ms: performance.now() - started, digests };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** `skopeo inspect --tls-verify=false docker://<host>/<repo>:<tag>`, one process per tag, in sequence. */
export async function skopeoRound(host: string, repo: string, tags: readonly string[]): Promise<RoundResult> {
  const digests = new Map<string, string>();
  const started = performance.now();
  for (const tag of tags) {
    // argv array, no shell: the reference is never parsed by anything but skopeo.
    const { stdout } = await run("skopeo", ["inspect", "--tls-verify=false", `docker://${host}/${repo}:${tag}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const digest = (JSON.parse(stdout) as { Digest?: string }).Digest;
    if (!digest) throw new Error(`skopeo inspect ${repo}:${tag} printed no Digest`);
    digests.set(tag, digest);
  }
  return { ms: performance.now() - started, digests };
}

export async function skopeoVersion(): Promise<string> {
  const { stdout } = await run("skopeo", ["--version"]);
  return stdout.trim();
}

/**
 * Counts TCP connections undici opens to `port` (every HTTP client in this process, regops'
 * included, is undici), so the report can show who reuses connections and who does not.
 */
export function connectionCounter(port: number): { count(): number } {
  let n = 0;
  subscribe("undici:client:connected", (message) => {
    const { connectParams } = message as { connectParams?: { port?: string | number } };
    if (Number(connectParams?.port) === port) n++;
  });
  return { count: () => n };
}
