// A real Debian 12 (bookworm) root filesystem: `debootstrap --variant=minbase` from the Debian
// mirror this machine uses, run ONCE and cached under a directory that survives between runs
// (REGOPS_TEST_CACHE, default /var/cache/regops-test): the rootfs itself (`bookworm-minbase/`)
// and its tar.gz (`bookworm-minbase.tar.gz`, the bytes pushed as an image layer). A lock file
// keeps parallel test files (vitest forks) from both running debootstrap; the others wait and
// reuse what the first one built. Needs root (debootstrap chroots; CI runs as root) and the
// debootstrap package (scripts/bootstrap installs it).
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const DEBIAN_SUITE = "bookworm";
export const DEBIAN_MIRROR = process.env.REGOPS_TEST_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
const NAME = `${DEBIAN_SUITE}-minbase`;
/** How long a waiter waits for another process's debootstrap before giving up. */
const LOCK_WAIT_MS = 20 * 60_000;

export function cacheDir(): string {
  return process.env.REGOPS_TEST_CACHE ?? "/var/cache/regops-test";
}

const exists = (p: string) => access(p, constants.F_OK).then(() => true, () => false);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** An O_EXCL lock file holding the owner's pid; a lock whose owner died is taken over. */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lock, "wx");
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number((await readFile(lock, "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
        await unlink(lock).catch(() => undefined); // stale: its owner is gone
        continue;
      }
      if (Date.now() > deadline) throw new Error(`debianRootfs: ${lock} is still held by pid ${pid} after ${LOCK_WAIT_MS / 60_000} min`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

async function sh(cmd: string, args: string[], what: string, timeout = 15 * 60_000): Promise<void> {
  try {
    await run(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string; code?: unknown };
    const tail = `${e.stdout ?? ""}\n${e.stderr ?? ""}`.trim().split("\n").slice(-25).join("\n");
    throw new Error(`${what} failed (${cmd} ${args.join(" ")}; exit ${String(e.code)}):\n${tail}`, { cause: err });
  }
}

/** The rootfs as one layer: everything but the contents of dev, proc and sys (device nodes, mounts). */
async function tarGzOf(dir: string, out: string): Promise<void> {
  await sh("tar", ["--numeric-owner", "--exclude=./dev/*", "--exclude=./proc/*", "--exclude=./sys/*", "-C", dir, "-czf", out, "."], `tar of ${dir}`);
}

export interface DebianRootfs {
  /** The rootfs directory (its dpkg database is `${dir}/var/lib/dpkg`). */
  dir: string;
  /** The rootfs as a gzipped tar, the image layer. */
  tarGz: string;
  /** true when this call ran debootstrap (or re-extracted the tar.gz), false when all was cached. */
  built: boolean;
  /** Milliseconds this call took. */
  ms: number;
}

/**
 * debootstrap bookworm minbase once, then reuse it. Throws with debootstrap's last lines of output
 * when it fails (no debootstrap, not root, mirror unreachable).
 */
export async function debianRootfs(): Promise<DebianRootfs> {
  const t0 = Date.now();
  const cache = cacheDir();
  const dir = join(cache, NAME);
  const tarGz = join(cache, `${NAME}.tar.gz`);
  const ready = async () => (await exists(tarGz)) && (await exists(join(dir, "var/lib/dpkg/status")));
  if (await ready()) return { dir, tarGz, built: false, ms: Date.now() - t0 };

  await mkdir(cache, { recursive: true }).catch((err: Error) => {
    throw new Error(`debianRootfs: cannot create the cache directory ${cache} (set REGOPS_TEST_CACHE, or run as root): ${err.message}`);
  });
  return withLock(join(cache, `${NAME}.lock`), async () => {
    if (await ready()) return { dir, tarGz, built: false, ms: Date.now() - t0 }; // another process built it meanwhile
    const tmpDir = `${dir}.tmp-${process.pid}`;
    await rm(tmpDir, { recursive: true, force: true });
    try {
      if (await exists(tarGz)) {
        // Only the tar.gz survived (e.g. a CI cache of that one file): unpack it.
        await mkdir(tmpDir);
        await sh("tar", ["--numeric-owner", "-C", tmpDir, "-xzf", tarGz], `unpacking ${tarGz}`);
      } else {
        const which = await run("debootstrap", ["--version"]).catch(() => undefined);
        if (!which) throw new Error("debianRootfs: debootstrap is not installed (scripts/bootstrap installs it: apt-get install debootstrap)");
        if (process.getuid?.() !== 0) throw new Error("debianRootfs: debootstrap needs root");
        await sh("debootstrap", ["--variant=minbase", DEBIAN_SUITE, tmpDir, DEBIAN_MIRROR], `debootstrap from ${DEBIAN_MIRROR} (is the mirror reachable?)`);
        // Nothing debootstrap leaves behind is wanted in the image: downloaded debs, apt lists.
        await rm(join(tmpDir, "var/cache/apt/archives"), { recursive: true, force: true }).then(() => mkdir(join(tmpDir, "var/cache/apt/archives/partial"), { recursive: true }));
        const tmpTar = `${tarGz}.tmp-${process.pid}`;
        await tarGzOf(tmpDir, tmpTar);
        // The directory first, then the tar.gz: the tar.gz's presence marks a complete cache.
        await rm(dir, { recursive: true, force: true });
        await rename(tmpDir, dir);
        await rename(tmpTar, tarGz);
        return { dir, tarGz, built: true, ms: Date.now() - t0 };
      }
      await rm(dir, { recursive: true, force: true });
      await rename(tmpDir, dir);
      return { dir, tarGz, built: true, ms: Date.now() - t0 };
    } catch (err) {
      await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
      await rm(`${tarGz}.tmp-${process.pid}`, { force: true }).catch(() => undefined);
      throw err;
    }
  });
}

/** Size in bytes of a file (for reports). */
export async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size;
}
