// The base image for building the regops Dockerfile here: REGOPS_TEST_NODE_IMAGE when set, the
// official node:24-bookworm-slim when the daemon has it, else local/node:24-bookworm, which
// `scripts/bootstrap --node-image` makes once (scripts/lib/build-local-images.sh: a Debian rootfs
// + Node 24 and npm from the npm registry; no Docker Hub) and reuses after that.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { debianRootfs } from "./debian-rootfs.js";

const run = promisify(execFile);
const bootstrap = new URL("../../scripts/bootstrap", import.meta.url).pathname;
const OFFICIAL = "node:24-bookworm-slim";

export async function nodeBaseImage(): Promise<string> {
  if (process.env.REGOPS_TEST_NODE_IMAGE) return process.env.REGOPS_TEST_NODE_IMAGE;
  const present = await run("docker", ["image", "inspect", OFFICIAL]).then(() => true, () => false);
  if (present) return OFFICIAL;
  // the rootfs from this cache (shared with the Debian scan tests), not a debootstrap of its own
  await debianRootfs();
  const env = { ...process.env };
  delete env.REGOPS_NODE_IMAGE; // bootstrap would take it as the caller's choice and check nothing
  try {
    const { stdout } = await run(bootstrap, ["--env", "--node-image"], {
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 10 * 60_000,
    });
    const chosen = /^export REGOPS_NODE_IMAGE=(\S+)$/m.exec(stdout)?.[1];
    return chosen ?? OFFICIAL;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`scripts/bootstrap --node-image failed:\n${(e.stderr ?? e.message).trim().split("\n").slice(-20).join("\n")}`, { cause: err });
  }
}
