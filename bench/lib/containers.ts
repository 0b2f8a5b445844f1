// Registries as containers of the test image (local/registry, or registry:2.8.2 where it
// exists; test/helpers/images.ts), for benches that a Docker engine must reach too.
// Host network, on a free 127.0.0.1 port: dockerd treats 127.0.0.0/8 as insecure by default,
// and no docker-proxy sits between any client and the registry, copying every byte once more
// on the CPU the contenders share (what a published port on 127.0.0.1 would cost).
// Every container is labelled and removed with its volume at the end, also on error or Ctrl-C.
import { execFile, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { IMAGES } from "../../test/helpers/images.js";
import { freePort, onCleanup } from "./procs.js";

const run = promisify(execFile);

/** Label on every container this process starts: `docker ps -a --filter label=org.regops.bench`. */
export const BENCH_LABEL = `org.regops.bench=${process.pid}-${randomBytes(3).toString("hex")}`;

/** docker CLI processes running now: killed first at cleanup, so a pull cannot land after it. */
const running = new Set<ChildProcess>();

/** `docker <args>`, argv array, async (never *Sync while in-process servers must answer). */
export async function docker(args: string[], signal?: AbortSignal): Promise<string> {
  const p = run("docker", args, { maxBuffer: 16 * 1024 * 1024, signal });
  running.add(p.child);
  try {
    return (await p).stdout.trim();
  } finally {
    running.delete(p.child);
  }
}

export interface RegistryContainer {
  id: string;
  /** The registry process (host pid namespace), for CPU accounting. */
  pid: number;
  port: number;
  /** host:port, as it appears in image references. */
  host: string;
  base: string;
  remove(): Promise<void>;
}

/**
 * The registry image: REGOPS_TEST_REGISTRY_IMAGE, else the official registry:2.8.2 if the
 * engine has it, else the one scripts/bootstrap builds offline. Never pulled.
 */
async function registryImage(): Promise<string> {
  const candidates = process.env.REGOPS_TEST_REGISTRY_IMAGE ? [IMAGES.registry] : [IMAGES.registry, "local/registry:2.8.2"];
  for (const image of candidates) {
    if (await docker(["image", "inspect", "--format", "{{.Id}}", image]).then(() => true, () => false)) return image;
  }
  throw new Error(`no registry image in the Docker engine (tried ${candidates.join(", ")}): run scripts/bootstrap`);
}

export async function startRegistryContainer(name: string): Promise<RegistryContainer> {
  const [port, image] = await Promise.all([freePort(), registryImage()]);
  // REGISTRY_* override the image's config: our address, deletes on (the bench removes what a
  // run pushed), and no access log, whose line per request only spends CPU.
  const id = await docker([
    "run", "-d", "--pull", "never", "--network", "host", "--label", BENCH_LABEL, "--name", `regops-bench-${name}-${port}`,
    "-e", `REGISTRY_HTTP_ADDR=127.0.0.1:${port}`,
    "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true",
    "-e", "REGISTRY_LOG_LEVEL=warn",
    "-e", "REGISTRY_LOG_ACCESSLOG_DISABLED=true",
    image,
  ]);
  let removed = false;
  // Sync, so that it also runs from process.on("exit"); by then nothing in-process must answer.
  onCleanup(() => {
    if (!removed) spawnSync("docker", ["rm", "-f", "-v", id], { stdio: "ignore" });
  });
  const remove = async () => {
    if (removed) return;
    removed = true;
    await docker(["rm", "-f", "-v", id]).catch(() => undefined);
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${base}/v2/`).then((r) => r.status === 200, () => false);
    if (ok) break;
    const state = await docker(["inspect", "-f", "{{.State.Status}}", id]).catch(() => "gone");
    if (state !== "running" && state !== "created") {
      const logs = await run("docker", ["logs", "--tail", "15", id]).then((r) => r.stdout + r.stderr, () => "");
      throw new Error(`registry container ${name} is ${state}:\n${logs}`);
    }
    if (Date.now() > deadline) throw new Error(`registry container ${name} did not answer on ${base} within 20 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = Number(await docker(["inspect", "-f", "{{.State.Pid}}", id]));
  return { id, pid, port, host: `127.0.0.1:${port}`, base, remove };
}

/**
 * Image references this process made the Docker engine hold; removed at the end (sync, for the
 * exit path) unless already gone. Only these references: nothing else in the daemon is touched.
 */
const heldImages = new Set<string>();
onCleanup(() => {
  // A killed client makes the engine abort its pull; one that was about to finish may still
  // land just after a first rmi, hence the check and a second try.
  for (const child of running) child.kill("SIGKILL");
  for (let attempt = 0; heldImages.size && attempt < 3; attempt++) {
    if (attempt) spawnSync("sleep", ["1"]);
    spawnSync("docker", ["rmi", "-f", ...heldImages], { stdio: "ignore" });
    const left = spawnSync("docker", ["images", "-q", ...[...heldImages].flatMap((r) => ["--filter", `reference=${r}`])], { encoding: "utf8" });
    if (!left.stdout?.trim()) break;
  }
});

export function holdImage(ref: string): void {
  heldImages.add(ref);
}

/** `docker rmi` of these references (untag; the layers go with the last one). Missing ones are fine. */
export async function releaseImages(refs: readonly string[]): Promise<void> {
  for (const ref of refs) {
    await docker(["rmi", ref]).catch((err: unknown) => {
      if (!String(err).includes("No such image")) throw err;
    });
    heldImages.delete(ref);
  }
}

/** The Docker engine's own process (DOCKER_HOST's pidfile), for CPU accounting; undefined if unknown. */
export function dockerdPid(pidfile = process.env.BENCH_DOCKERD_PIDFILE ?? "/var/run/docker.pid"): number | undefined {
  try {
    const pid = Number(readFileSync(pidfile, "utf8").trim());
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "dockerd" ? pid : undefined;
  } catch {
    return undefined;
  }
}
