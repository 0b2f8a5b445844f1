// The console's built files (Vite's output, dist/ui), read once at start-up. From the sources
// (tsx) they are the repository's dist/ui; from the built service (dist/src/...) dist/ui beside it.
import { readdir, readFile } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ConsoleFile {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

export function consoleDir(): string {
  const above = fileURLToPath(new URL("../../../", import.meta.url));
  return basename(above) === "dist" ? join(above, "ui") : join(above, "dist", "ui");
}

/** index.html and assets/<name>; empty when the console was not built (npm run build). */
export async function loadConsoleFiles(dir = consoleDir()): Promise<{ index?: Buffer; assets: Map<string, ConsoleFile> }> {
  const assets = new Map<string, ConsoleFile>();
  let index: Buffer | undefined;
  try {
    index = await readFile(join(dir, "index.html"));
  } catch {
    return { assets };
  }
  for (const name of await readdir(join(dir, "assets")).catch(() => [] as string[])) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { type, body: await readFile(join(dir, "assets", name)) });
  }
  return { index, assets };
}
