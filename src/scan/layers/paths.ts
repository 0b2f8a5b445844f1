// Tar entry names as filesystem paths, and the overlay whiteout names (OCI image spec,
// "Representing Changes"): `.wh.<name>` deletes <name> from lower layers, `.wh..wh..opq`
// hides everything lower layers put in its directory.
import { posix } from "node:path";

/** `./usr//bin/` → `usr/bin`; the root is ``; `..` stops at the root, as inside a chroot. */
export function normalizePath(name: string): string {
  return posix.normalize(`/${name}`).replace(/^\/+/, "").replace(/\/+$/, "");
}

export type Whiteout = { kind: "file"; target: string } | { kind: "opaque"; dir: string } | { kind: "other" };

const WH = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** The whiteout a normalized path stands for, or undefined for an ordinary entry. */
export function whiteoutOf(path: string): Whiteout | undefined {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "" : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (!base.startsWith(WH)) return undefined;
  if (base === OPAQUE) return { kind: "opaque", dir };
  // `.wh..wh.plnk` and friends: aufs bookkeeping, not deletions.
  if (base.startsWith(`${WH}${WH}`)) return { kind: "other" };
  const name = base.slice(WH.length);
  return { kind: "file", target: dir ? `${dir}/${name}` : name };
}

/** Every proper ancestor directory of a path: `a/b/c` → `["", "a", "a/b"]`. */
export function ancestors(path: string): string[] {
  const out = [""];
  let i = path.indexOf("/");
  while (i >= 0) {
    out.push(path.slice(0, i));
    i = path.indexOf("/", i + 1);
  }
  return out;
}
