// A real notary-server over TLS in a container (local trust service, memory storage: every
// server starts empty), and client configs for it. The server certificate comes from a
// throwaway openssl CA (test/helpers/tls.ts) with SANs DNS:localhost, IP:127.0.0.1, because
// clients reach the container through its mapped port on 127.0.0.1.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import type { Redis } from "ioredis";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import type { NotaryRunner, RunResult } from "../../src/sign/notary-v1/cli.js";
import { notarySchema, type NotaryConfig } from "../../src/sign/notary-v1/schema.js";
import { IMAGES } from "./images.js";
import { makeCertificates } from "./tls.js";

export interface StartedNotary {
  /** https://127.0.0.1:<mapped port> */
  url: string;
  /** The CA that signed the server's certificate (PEM file). */
  caPath: string;
  caPem: string;
  container: StartedTestContainer;
}

export async function startNotaryServer(): Promise<StartedNotary> {
  const certs = makeCertificates();
  const config = {
    server: { http_addr: ":4443", tls_key_file: "/etc/notary/test/server.key", tls_cert_file: "/etc/notary/test/server.crt" },
    trust_service: { type: "local" },
    storage: { backend: "memory" },
    logging: { level: "info" },
  };
  const container = await new GenericContainer(IMAGES.notaryServer)
    .withExposedPorts(4443)
    .withCopyContentToContainer([
      { content: JSON.stringify(config), target: "/etc/notary/test/server.json" },
      { content: certs.certPem, target: "/etc/notary/test/server.crt" },
      { content: certs.keyPem, target: "/etc/notary/test/server.key" },
    ])
    .withCommand(["notary-server", "-config", "/etc/notary/test/server.json"])
    .withWaitStrategy(Wait.forHttp("/_notary_server/health", 4443).usingTls().allowInsecure().forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  return { url: `https://127.0.0.1:${container.getMappedPort(4443)}`, caPath: certs.caPath, caPem: certs.caPem, container };
}

/**
 * A NotaryConfig for `server` with a new, empty trust dir under `dir` (default: a temp dir)
 * and random passphrases; `overrides` replaces fields (passphrases are merged).
 */
export function notaryConfig(
  dir: string | undefined,
  server: Pick<StartedNotary, "url" | "caPath">,
  overrides: Partial<Omit<NotaryConfig, "passphrases">> & { passphrases?: NotaryConfig["passphrases"] } = {},
): NotaryConfig {
  const base = dir ?? mkdtempSync(join(tmpdir(), "regops-notary-test-"));
  const pass = (name: string) => `${name}-${randomBytes(12).toString("hex")}`;
  return notarySchema.parse({
    server: server.url,
    rootCa: server.caPath,
    trustDir: mkdtempSync(join(base, "trust-")),
    ...overrides,
    passphrases: { root: pass("root"), targets: pass("targets"), snapshot: pass("snapshot"), delegation: pass("delegation"), ...overrides.passphrases },
  });
}

// --- fakes for unit tests ------------------------------------------------------------------

/** Enough of ioredis for RedisLock: SET NX and the two scripts, in memory. */
export function fakeRedis(): Redis {
  const store = new Map<string, string>();
  const r: Record<string, unknown> = {
    set: async (key: string, value: string) => (store.has(key) ? null : (store.set(key, value), "OK")),
    defineCommand: (name: string) => {
      r[name] = async (key: string, token: string) => {
        if (store.get(key) !== token) return 0;
        if (name === "regopsLockRelease") store.delete(key);
        return 1;
      };
    },
  };
  return r as unknown as Redis;
}

export interface RunnerCall {
  argv: string[];
  env: Record<string, string>;
}

/** A runner that records each call and answers from `answer` (default: success, no output). */
export function fakeRunner(answer: (argv: string[]) => Partial<RunResult> | undefined = () => undefined): NotaryRunner & { calls: RunnerCall[] } {
  const calls: RunnerCall[] = [];
  const runner = async (argv: readonly string[], opts: { env: Record<string, string> }) => {
    calls.push({ argv: [...argv], env: { ...opts.env } });
    return { code: 0, stdout: "", stderr: "", ...answer([...argv]) };
  };
  return Object.assign(runner, { calls });
}

/** A config for unit tests: a server nobody calls, a temp trust dir, known passphrases. */
export function testConfig(extra: Record<string, unknown> = {}) {
  return notarySchema.parse({
    server: "https://notary.example.com:4443",
    trustDir: mkdtempSync(join(tmpdir(), "regops-notary-unit-")),
    passphrases: { root: "root-secret-1", targets: "targets-secret-2", snapshot: "snapshot-secret-3", delegation: "delegation-secret-4" },
    ...extra,
  });
}
