// The console's budget: all of its JavaScript, gzipped, under 300 KB (the globalSetup built it).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { consoleDir } from "../../src/api/console/files.js";

const BUDGET = 300 * 1000;

describe("console bundle", () => {
  it("when the console is built, then its JavaScript gzipped stays under 300 KB", () => {
    const assets = join(consoleDir(), "assets");
    const scripts = readdirSync(assets).filter((name) => name.endsWith(".js"));
    expect(scripts.length).toBeGreaterThan(0);
    const sizes = scripts.map((name) => gzipSync(readFileSync(join(assets, name)), { level: 9 }).length);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.warn(`console bundle: ${scripts.length} script(s), ${(total / 1000).toFixed(1)} KB gzipped (budget ${BUDGET / 1000} KB)`);
    expect(total).toBeLessThan(BUDGET);
  });

  it("when the console is built, then it carries React's production build (a development build is three times the size)", () => {
    const assets = join(consoleDir(), "assets");
    const text = readdirSync(assets).filter((name) => name.endsWith(".js")).map((name) => readFileSync(join(assets, name), "utf8")).join("\n");
    expect(text).toContain("Minified React error");
  });
});
