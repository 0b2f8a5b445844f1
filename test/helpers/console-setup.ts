// vitest globalSetup: the console (ui/) is built into dist/ui when it is missing or older than
// its sources or the SDL, so a fresh clone (`npm ci`, then `npm test`) serves /ui/ like a
// built installation, and a test never runs against a stale bundle.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
export const CONSOLE_INDEX = join(ROOT, "dist/ui/index.html");

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).filter((name) => name !== "gql").map((name) => newest(join(path, name))));
}

function builtAt(): number {
  try {
    return statSync(CONSOLE_INDEX).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  const sources = Math.max(newest(join(ROOT, "ui")), newest(join(ROOT, "schema/regops.graphql")));
  if (builtAt() >= sources) return;
  console.warn("console-setup: building the console (npm run build:ui)");
  execFileSync("npm", ["run", "build:ui"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}
