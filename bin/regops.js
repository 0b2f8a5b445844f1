#!/usr/bin/env node
// The `regops` command. In a checkout (src/ present and tsx installed) it runs the TypeScript
// source through tsx, so it is never older than the code; in an installed package, the
// compiled dist/ (`npm run build`).
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
const compiled = new URL("../dist/src/cli/main.js", import.meta.url);

async function load() {
  if (existsSync(source)) {
    try {
      const { register } = await import("tsx/esm/api");
      register();
      return await import(source.href);
    } catch (err) {
      if (err?.code !== "ERR_MODULE_NOT_FOUND" || !existsSync(compiled)) throw err;
    }
  }
  if (!existsSync(compiled)) {
    console.error("regops: dist/ is missing: run `npm run build` (or install tsx to run from source)");
    process.exit(1);
  }
  return import(compiled.href);
}

const { main } = await load();
await main();
