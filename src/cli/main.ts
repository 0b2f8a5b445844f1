// The regops CLI's entry (bin/regops.js runs it): parse, run, and turn every outcome into one
// of the documented exit codes.
import { readFileSync } from "node:fs";
import { CommanderError } from "commander";
import { CliError, EXIT } from "./exit-codes.js";
import { buildProgram } from "./program.js";
import type { Io } from "./runtime.js";

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const { program, rt } = buildProgram(io, packageVersion());
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return rt.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end in a CommanderError too, with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const c = rt.errColours;
    if (err instanceof CliError) {
      rt.err(c.red(`error: ${err.message}`));
      if (err.hint) rt.err(`hint: ${err.hint}`);
      return err.exitCode;
    }
    rt.err(c.red(`error: ${(err as Error).stack ?? String(err)}`));
    return EXIT.failed;
  }
}

function packageVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "regops" && pkg.version) return pkg.version;
    } catch {
      // not at this depth: the source tree and dist/ differ by one folder
    }
  }
  return "unknown";
}

export async function main(): Promise<void> {
  const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
  // Let stdout drain (a pipe may be slow) before exiting with the code.
  process.exitCode = code;
}
