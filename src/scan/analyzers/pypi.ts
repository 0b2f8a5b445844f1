// Python: installed distributions' `*.dist-info/METADATA` (wheels), `*.egg-info/PKG-INFO`
// and `*.egg-info` written as a single file (setuptools' old develop/install). The name is
// reported PEP 503-normalised (lowercase, runs of `-_.` → `-`), the form OSV's PyPI records
// are looked up by.
import type { ImageFiles } from "../layers/types.js";
import { parseHeaders } from "./text.js";
import type { Analyzer, Package } from "./types.js";

const FILES = /(^|\/)[^/]+(\.dist-info\/METADATA|\.egg-info\/PKG-INFO|\.egg-info)$/;

export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

export const pypi: Analyzer = {
  name: "pypi",
  version: 1,
  wants: (path) => FILES.test(path),
  analyze(files: ImageFiles): Package[] {
    const out: Package[] = [];
    for (const [path, f] of files.files) {
      if (!FILES.test(path)) continue;
      const h = parseHeaders(f.content.toString("utf8"));
      const name = h.get("Name");
      const version = h.get("Version");
      if (name && version) out.push({ type: "pypi", name: pep503(name), version, ecosystem: "PyPI", layer: f.layer, path });
    }
    return out;
  },
};
