// The CLI at a terminal (tmux gives it a real pseudo-terminal): --wait is the default, the live
// display draws the state and a bar per host, a bytes bar for a copy across registries and for
// a scan's layer reads, the final lines are right, colour is on (and off with NO_COLOR), and
// Ctrl-C asks before cancelling the job.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLI, cliHome } from "../helpers/cli.js";
import { gzLayer, type GzLayer } from "../helpers/layers.js";
import { pushLayeredImage } from "../helpers/oci.js";
import { removeLocalImages } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { startTerminal, type Terminal } from "../helpers/tmux.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let mirror: StartedRegistry; // a second registry: a retag there streams every blob
let svc: TestService;
let apiOnly: TestService; // no workers: a job stays queued until the test cancels it
const repo = `cli-tty-${Date.now()}/app`;
let ref = "";
let big = ""; // a multi-MB image: its copy and its scan take long enough to be drawn
let terminal: Terminal | undefined;

const env = (url: string, extra: Record<string, string> = {}) => {
  const home = cliHome();
  return { PATH: process.env.PATH!, HOME: home, XDG_CONFIG_HOME: `${home}/.config`, TERM: "xterm-256color", REGOPS_URL: url, REGOPS_API_KEY: KEYS.write, ...extra };
};

/** A real tar layer (Docker must unpack it) of `size` random bytes, which gzip cannot shrink. */
const randomLayer = (size: number): Promise<GzLayer> => gzLayer([{ name: "data.bin", content: randomBytes(size) }]);

beforeAll(async () => {
  [redis, registry, mirror] = await Promise.all([startRedis(), startRegistry(), startRegistry()]);
  await pushLayeredImage(registry.url, repo, "v1", [await randomLayer(256 * 1024)], { config: { Cmd: ["/bin/true"] } });
  ref = `${registry.host}/${repo}:v1`;
  await pushLayeredImage(registry.url, repo, "big", [await randomLayer(3 * 1024 * 1024), await randomLayer(3 * 1024 * 1024)], { config: { Cmd: ["/bin/true"] } });
  big = `${registry.host}/${repo}:big`;
  const registries = [
    { id: "local", url: registry.url, kind: "distribution", insecure: true },
    { id: "mirror", url: mirror.url, kind: "distribution", insecure: true },
  ];
  const scanner = { osv: [mkdtempSync(join(tmpdir(), "regops-osv-"))] }; // no advisories: the scan reads, finds nothing
  [svc, apiOnly] = await Promise.all([
    startTestService({ redisUrl: redis.url, registries, extra: { scanner } }),
    startTestService({ redisUrl: redis.url, registries, role: "api" }),
  ]);
}, 120_000);

afterEach(async () => {
  await terminal?.close();
  terminal = undefined;
});

afterAll(async () => {
  await Promise.all([svc?.close(), apiOnly?.close()]);
  await removeLocalImages(`${registry?.host}/${repo}`);
  await Promise.all([redis?.container.stop(), registry?.container.stop(), mirror?.container.stop()]);
});

describe("at a terminal", { timeout: 120_000 }, () => {
  it("when refresh runs with no flags, then it waits, draws the state and the host's pull bar, and ends with the outcome", async () => {
    terminal = await startTerminal([process.execPath, CLI, "refresh", ref], env(svc.url));
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toMatch(/EXIT=0/);
    const lines = screen.split("\n").map((l) => l.trimEnd());
    expect(lines).toContainEqual(expect.stringMatching(/^refresh \S+ completed$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}default\s+█{24} 1\/1 layers 26\d\.\d kB\/26\d\.\d kB$/));
    const digestLine = lines.findIndex((l) => /^digest sha256:[0-9a-f]{64} \(was unknown\)$/.test(l));
    expect(digestLine, screen).toBeGreaterThan(0);
    expect(lines[digestLine + 1]).toMatch(/^ {2}default: pulled/);
    expect(await terminal.screen(true)).toContain("\u001b["); // coloured
  });

  it("when retag copies a multi-MB image to another registry, then a bytes bar is drawn and ends full", async () => {
    terminal = await startTerminal([process.execPath, CLI, "retag", big, `${mirror.host}/${repo}:big`], env(svc.url));
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toMatch(/EXIT=0/);
    const lines = screen.split("\n").map((l) => l.trimEnd());
    expect(lines).toContainEqual(expect.stringMatching(/^retag \S+ completed$/));
    expect(lines, screen).toContainEqual(expect.stringMatching(/^ {2}copy 1\/1\s+█{24} 3\/3 blobs (6\.\d MB)\/\1$/));
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
  });

  it("when scan reads a multi-MB image, then a bar of layer bytes read is drawn and ends full", async () => {
    terminal = await startTerminal([process.execPath, CLI, "scan", big], env(svc.url));
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toMatch(/EXIT=0/);
    const lines = screen.split("\n").map((l) => l.trimEnd());
    expect(lines).toContainEqual(expect.stringMatching(/^scan \S+ completed$/));
    expect(lines, screen).toContainEqual(expect.stringMatching(/^ {2}layers read\s+█{24} (6\.\d MB)\/\1$/));
  });

  it("when NO_COLOR is set, then the same display has no colour", async () => {
    terminal = await startTerminal([process.execPath, CLI, "refresh", ref, "--no-pull"], env(svc.url, { NO_COLOR: "1" }));
    await terminal.waitFor(/EXIT=0/);
    const sequences = (await terminal.screen(true)).split("\u001b[").slice(1);
    expect(sequences.filter((seq) => !/^0?m/.test(seq))).toEqual([]); // tmux may emit a bare reset, nothing else
  });

  it("when Ctrl-C is pressed while waiting, then it asks, and y cancels the job: exit 130", async () => {
    terminal = await startTerminal([process.execPath, CLI, "refresh", ref], env(apiOnly.url));
    const drawn = await terminal.waitFor(/^refresh (\S+) queued/m);
    const id = /^refresh (\S+) queued/m.exec(drawn)![1]!;
    await terminal.keys("C-c");
    await terminal.waitFor(new RegExp(`Cancel job ${id}\\? \\[y/N\\]`));
    await terminal.keys("y", "Enter");
    const screen = await terminal.waitFor(/EXIT=\d+/);
    expect(screen).toMatch(/EXIT=130/);
    expect(screen).toContain(`interrupted: job ${id} cancelled`);
    const job = await json(fetch(`${apiOnly.url}/v1/jobs/${id}`, { headers: auth(KEYS.read) }));
    expect(job.state).toBe("cancelled");
  });
});
