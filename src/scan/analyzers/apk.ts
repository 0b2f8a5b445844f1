// apk: `lib/apk/db/installed`, blank-line-separated records with one-letter keys: P name,
// V version, o origin (the source package advisories are keyed by), A arch.
import type { ImageFiles } from "../layers/types.js";
import { parseStanzas } from "./text.js";
import type { Analyzer, OsInfo, Package } from "./types.js";

const INSTALLED = "lib/apk/db/installed";

/** apk-tools 3 orders some versions differently from 2.x (scan/versions/apk3.ts). */
const isApk3 = (version: string) => Number(/^(\d+)\./.exec(version)?.[1] ?? 0) >= 3;

export function parseApkInstalled(text: string, ecosystem: string, layer: string, path: string): Package[] {
  const out: Package[] = [];
  const records = [...parseStanzas(text)];
  // The database says which apk wrote it: its own apk-tools package.
  const apkTools = records.find((r) => r.get("P") === "apk-tools")?.get("V");
  const versioning = apkTools && isApk3(apkTools) ? "apk3" : undefined;
  for (const r of records) {
    const name = r.get("P");
    const version = r.get("V");
    if (!name || !version) continue;
    const pkg: Package = { type: "apk", name, version, sourceName: r.get("o") || name, sourceVersion: version, ecosystem, layer, path };
    const arch = r.get("A");
    if (arch) pkg.arch = arch;
    if (versioning) pkg.versioning = versioning;
    out.push(pkg);
  }
  return out;
}

export const apk: Analyzer = {
  name: "apk",
  version: 2,
  wants: (path) => path === INSTALLED,
  analyze(files: ImageFiles, os?: OsInfo): Package[] {
    const f = files.files.get(INSTALLED);
    return f ? parseApkInstalled(f.content.toString("utf8"), os?.ecosystem ?? "Alpine", f.layer, INSTALLED) : [];
  },
};
