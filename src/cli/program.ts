// The command tree: global connection flags, then one module per command group.
import { Command } from "commander";
import { EXIT_CODE_TABLE } from "./exit-codes.js";
import { registerAdminLists } from "./commands/admin-lists.js";
import { registerCompletion } from "./commands/completion.js";
import { registerContext } from "./commands/context.js";
import { registerImages } from "./commands/images.js";
import { registerJobs } from "./commands/jobs.js";
import { registerPrune } from "./commands/prune.js";
import { registerRefresh } from "./commands/refresh.js";
import { registerRetag } from "./commands/retag.js";
import { registerRetention } from "./commands/retention.js";
import { registerScan } from "./commands/scan.js";
import { registerSigning } from "./commands/signing.js";
import { Runtime, type GlobalFlags, type Io } from "./runtime.js";

const CONNECTION_HELP = `Connection (flags, then environment, then the current context):
  --url, REGOPS_URL              the regops API, e.g. http://127.0.0.1:8080
  --key-file, REGOPS_API_KEY     the API key: a file, or the environment; never a flag
  --context, REGOPS_CONTEXT      a context from $XDG_CONFIG_HOME/regops/config.yaml
                                 (~/.config/regops/config.yaml): regops context set|use|ls
Job commands follow the job to its end on a terminal (--wait elsewhere): live progress on a
terminal, timestamped lines on stderr otherwise; the outcome on stdout (--json: the job record).
Colour only on a terminal, never with NO_COLOR set.`;

export function buildProgram(io: Io, version: string): { program: Command; rt: Runtime } {
  const program = new Command("regops");
  const rt = new Runtime(io, () => program.opts<GlobalFlags>());
  program
    .description("regops from the command line: submit and follow jobs, read what regops knows")
    .version(version)
    .option("--url <url>", "the regops API (default REGOPS_URL, then the context's)")
    .option("--key-file <path>", "read the API key from this file (default REGOPS_API_KEY, then the context's)")
    .option("--context <name>", "use this context instead of the current one")
    .option("--no-color", "no colour, even on a terminal")
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError("(regops --help for usage)")
    .addHelpText("after", `\n${CONNECTION_HELP}\n\n${EXIT_CODE_TABLE}\n`);
  registerRefresh(program, rt);
  registerRetag(program, rt);
  registerSigning(program, rt);
  registerScan(program, rt);
  registerPrune(program, rt);
  registerRetention(program, rt);
  registerJobs(program, rt);
  registerImages(program, rt);
  registerAdminLists(program, rt);
  registerContext(program, rt);
  registerCompletion(program, rt);
  return { program, rt };
}
