// The files kept from lower layers, as a tree of path segments. A deletion (whiteout, opaque
// directory, a file replacing a directory) walks only the path and what is under it, so a
// layer of N whiteouts costs N path walks whatever is kept; and a deep path costs one small
// node per segment, never a string per ancestor (a 2,000-segment path would make 2,000 strings
// of up to 4 KB). Each file is released through the budget as it leaves.
import { costOf, type ReadBudget } from "./budget.js";
import type { ImageFile } from "./types.js";

interface Node {
  children?: Map<string, Node>;
  file?: ImageFile;
  /** The file's path, kept with it (the key it is listed under at the end). */
  path?: string;
}

const segments = (path: string) => (path === "" ? [] : path.split("/"));

export class FileTree {
  private readonly root: Node = {};

  constructor(private readonly budget: ReadBudget) {}

  get(path: string): ImageFile | undefined {
    let node: Node | undefined = this.root;
    for (const s of segments(path)) {
      node = node.children?.get(s);
      if (!node) return undefined;
    }
    return node.file;
  }

  /** Puts `file` at `path` (already charged to the budget); a file there before is released. */
  set(path: string, file: ImageFile): void {
    let node = this.root;
    for (const s of segments(path)) {
      node.children ??= new Map();
      let child = node.children.get(s);
      if (!child) {
        // Charged one by one: a 4 MiB pax path is 2 million segments, refused as they come.
        this.budget.nodes(1);
        child = {};
        node.children.set(s, child);
      }
      node = child;
    }
    if (node.file) this.budget.release(costOf(node.path!, node.file));
    node.file = file;
    node.path = path;
  }

  /** Removes the file at `path` (when `self`) and every file below it (when `under`). */
  remove(path: string, self: boolean, under: boolean): void {
    const trail: [Node, string][] = [];
    let node: Node | undefined = this.root;
    for (const s of segments(path)) {
      const child: Node | undefined = node.children?.get(s);
      if (!child) return;
      trail.push([node, s]);
      node = child;
    }
    if (self && node.file) this.drop(node);
    if (under && node.children) {
      this.budget.nodes(-this.clear(node.children));
      node.children = undefined;
    }
    // Nodes left with nothing in them go, so lookups and the final listing stay small.
    for (let i = trail.length - 1; i >= 0 && !node.file && !node.children; i--) {
      const [parent, s] = trail[i]!;
      parent.children!.delete(s);
      if (parent.children!.size === 0) parent.children = undefined;
      this.budget.nodes(-1);
      node = parent;
    }
  }

  /** Every file, keyed by its path. */
  files(): Map<string, ImageFile> {
    const out = new Map<string, ImageFile>();
    const stack: Node[] = [this.root];
    for (let n = stack.pop(); n; n = stack.pop()) {
      if (n.file) out.set(n.path!, n.file);
      if (n.children) for (const c of n.children.values()) stack.push(c);
    }
    return out;
  }

  private drop(node: Node): void {
    this.budget.release(costOf(node.path!, node.file!));
    node.file = undefined;
    node.path = undefined;
  }

  /** Releases every file under these children; returns how many nodes went. */
  private clear(children: Map<string, Node>): number {
    let count = 0;
    const stack = [...children.values()];
    for (let n = stack.pop(); n; n = stack.pop()) {
      count++;
      if (n.file) this.drop(n);
      if (n.children) for (const c of n.children.values()) stack.push(c);
    }
    return count;
  }
}
