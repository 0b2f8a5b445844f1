// docker-compose.yml as Debian's docker-compose reads it (`docker-compose config`: images from
// Docker Hub cannot be started here, so the file is checked, not run): `--scale api=2
// --scale worker=3` needs an api service without one fixed host port, and a worker's stop
// grace must outlast jobs.shutdownMs or SIGKILL cuts the graceful shutdown short.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildConfig } from "../../src/config.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;

function seconds(duration: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m) throw new Error(`unexpected duration ${duration}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

describe("docker-compose.yml", () => {
  it("when read by docker-compose, then api can be scaled (a host port range) and workers get more than jobs.shutdownMs to stop", async () => {
    const { stdout } = await run("docker-compose", ["config"], { cwd: root, env: { ...process.env, REGOPS_API_KEY: "x".repeat(24) } });
    const services = parse(stdout).services;
    const apiPorts: string[] = services.api.ports.map((p: unknown) => (typeof p === "string" ? p : JSON.stringify(p)));
    expect(apiPorts).toHaveLength(1);
    const [, first, last] = /:(\d+)-(\d+):8080/.exec(apiPorts[0]!) ?? [];
    expect(Number(last) - Number(first)).toBeGreaterThanOrEqual(1);
    expect(services.worker.ports).toBeUndefined();
    expect(services.api.environment.REGOPS_ROLE).toBe("api");
    expect(services.worker.environment.REGOPS_ROLE).toBe("worker");
    expect(services.api.image).toBe(services.worker.image);
    const shutdownMs = buildConfig({}, "").jobs.shutdownMs;
    expect(seconds(services.worker.stop_grace_period) * 1000).toBeGreaterThan(shutdownMs);
  });
});
