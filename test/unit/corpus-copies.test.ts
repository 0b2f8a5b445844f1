// Upstream data is read in place (test/helpers/corpus.ts), never committed: no file git tracks may
// be a byte-for-byte copy of a file of the corpus. Empty files carry nothing to copy and are left
// out, as are symlinks (a link is not a copy).
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { corpus, REPO_ROOT } from "../helpers/corpus.js";

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

function corpusHashes(root: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (lstatSync(path).size > 0) hashes.set(sha256(path), relative(root, path));
  }
  return hashes;
}

function trackedFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  return out
    .toString("utf8")
    .split("\0")
    .filter((f) => {
      if (!f) return false;
      try {
        const st = lstatSync(join(REPO_ROOT, f));
        return st.isFile() && st.size > 0;
      } catch {
        return false; // deleted in the working tree, not yet committed
      }
    });
}

describe.skipIf(!corpus)("upstream test data is read in place", () => {
  it("when every file git tracks is hashed, then none is a byte-for-byte copy of a corpus file", () => {
    const upstream = corpusHashes(corpus!);
    expect(upstream.size).toBeGreaterThan(0);
    const copies = trackedFiles()
      .map((f) => [f, upstream.get(sha256(join(REPO_ROOT, f)))] as const)
      .filter(([, of]) => of !== undefined)
      .map(([f, of]) => `${f} = corpus/${of}`);
    expect(copies).toEqual([]);
  });
});
