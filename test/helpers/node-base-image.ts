// The base image for building the regops Dockerfile here: REGOPS_TEST_NODE_IMAGE when set, the
// official node:24-bookworm-slim when the daemon has it, else local/node:24-bookworm, made once
// by scripts/lib/build-local-images.sh (Debian rootfs + Node 24 and npm from the npm registry;
// no Docker Hub) and reused after that.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { debianRootfs } from "./debian-rootfs.js";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const OFFICIAL = "node:24-bookworm-slim";
const LOCAL = "local/node:24-bookworm";
// scripts/bootstrap's lock for importing local images: two runs never import the same tag at once
const LOCK = "/tmp/regops-bootstrap-images.lock";

const present = (image: string) => run("docker", ["image", "inspect", image]).then(() => true, () => false);

export async function nodeBaseImage(): Promise<string> {
  if (process.env.REGOPS_TEST_NODE_IMAGE) return process.env.REGOPS_TEST_NODE_IMAGE;
  if (await present(OFFICIAL)) return OFFICIAL;
  if (await present(LOCAL)) return LOCAL;
  await debianRootfs(); // the script takes the rootfs from this cache instead of its own debootstrap
  const scratch = await mkdtemp(join(tmpdir(), "regops-node-image-"));
  try {
    // checked again under the lock: another run may have built it while this one waited
    const script = `docker image inspect ${LOCAL} >/dev/null 2>&1 || exec "$0" node`;
    await run("flock", [LOCK, "sh", "-c", script, join(root, "scripts/lib/build-local-images.sh")], {
      env: { ...process.env, ROOTFS_DIR: scratch },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 10 * 60_000,
    });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`building ${LOCAL} failed:\n${(e.stderr ?? e.message).trim().split("\n").slice(-20).join("\n")}`, { cause: err });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return LOCAL;
}
