// npm: every installed package's `node_modules/<name>/package.json` (also `@scope/name`, at any
// nesting depth), and `package-lock.json` files outside node_modules (lockfileVersion 1:
// nested `dependencies`; 2 and 3: `packages` keyed by install path). Dev dependencies in a
// lockfile are skipped, as Trivy does by default; links point at a package counted elsewhere.
import type { ImageFiles } from "../layers/types.js";
import type { Analyzer, Package } from "./types.js";

const INSTALLED = /(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/;
const LOCK = /(^|\/)package-lock\.json$/;

function wants(path: string): boolean {
  return INSTALLED.test(path) || (LOCK.test(path) && !path.includes("node_modules/"));
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const obj = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);

interface NameVersion {
  name: string;
  version: string;
}

export function parsePackageLock(lock: Json): NameVersion[] {
  const out: NameVersion[] = [];
  const packages = obj(lock.packages);
  if (packages) {
    for (const [key, raw] of Object.entries(packages)) {
      const p = obj(raw);
      if (!p || key === "" || p.link === true || p.dev === true) continue;
      const i = key.lastIndexOf("node_modules/");
      // `name` is set for aliased installs (`"foo": "npm:bar@1"` installs bar as foo).
      const name = str(p.name) ?? (i >= 0 ? key.slice(i + "node_modules/".length) : undefined);
      const version = str(p.version);
      if (name && version) out.push({ name, version });
    }
    return out;
  }
  const walk = (deps: Json | undefined) => {
    for (const [name, raw] of Object.entries(deps ?? {})) {
      const d = obj(raw);
      if (!d || d.dev === true) continue;
      const version = str(d.version);
      // v1 writes git and file dependencies as their URL in `version`.
      if (version && !version.includes(":")) out.push({ name, version });
      walk(obj(d.dependencies));
    }
  };
  walk(obj(lock.dependencies));
  return out;
}

function parseJson(content: Buffer): Json | undefined {
  try {
    return obj(JSON.parse(content.toString("utf8")));
  } catch {
    return undefined;
  }
}

export const npm: Analyzer = {
  name: "npm",
  version: 1,
  wants,
  analyze(files: ImageFiles, _os, notes = []): Package[] {
    const out: Package[] = [];
    for (const [path, f] of files.files) {
      if (!wants(path)) continue;
      const json = parseJson(f.content);
      if (!json) {
        notes.push(`npm: ${path} is not valid JSON`);
        continue;
      }
      const found = LOCK.test(path) ? parsePackageLock(json) : [{ name: str(json.name), version: str(json.version) }];
      for (const { name, version } of found) {
        if (name && version) out.push({ type: "npm", name, version, ecosystem: "npm", layer: f.layer, path });
      }
    }
    return out;
  },
};
