// apk: `lib/apk/db/installed`, blank-line-separated records with one-letter keys: P name,
// V version, o origin (the source package advisories are keyed by), A arch.
import type { ImageFiles } from "../layers/types.js";
import { parseStanzas } from "./text.js";
import type { Analyzer, OsInfo, Package } from "./types.js";

const INSTALLED = "lib/apk/db/installed";

export function parseApkInstalled(text: string, ecosystem: string, layer: string, path: string): Package[] {
  const out: Package[] = [];
  for (const r of parseStanzas(text)) {
    const name = r.get("P");
    const version = r.get("V");
    if (!name || !version) continue;
    const pkg: Package = { type: "apk", name, version, sourceName: r.get("o") || name, sourceVersion: version, ecosystem, layer, path };
    const arch = r.get("A");
    if (arch) pkg.arch = arch;
    out.push(pkg);
  }
  return out;
}

export const apk: Analyzer = {
  name: "apk",
  version: 1,
  wants: (path) => path === INSTALLED,
  analyze(files: ImageFiles, os?: OsInfo): Package[] {
    const f = files.files.get(INSTALLED);
    return f ? parseApkInstalled(f.content.toString("utf8"), os?.ecosystem ?? "Alpine", f.layer, INSTALLED) : [];
  },
};
