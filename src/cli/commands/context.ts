// regops context ls|use|set|rm: named API endpoints in ~/.config/regops/config.yaml, like
// kubectl's contexts. A context names a key file, never a key.
import { resolve } from "node:path";
import type { Command } from "commander";
import { configPath, readConfig, writeConfig } from "../connection/config-file.js";
import { CliError, EXIT } from "../exit-codes.js";
import { outputOption, printStructured, printTable, type OutputFormat } from "../output/format.js";
import type { Runtime } from "../runtime.js";

export function registerContext(program: Command, rt: Runtime): void {
  const context = program.command("context").description(`named API endpoints (kept in $XDG_CONFIG_HOME/regops/config.yaml)`);
  const path = () => configPath(rt.io.env);

  context
    .command("ls")
    .description("list contexts; * marks the current one")
    .addOption(outputOption())
    .action(async (flags: { output: OutputFormat }) => {
      const config = await readConfig(path());
      if (printStructured(rt, flags.output, config)) return;
      const rows = Object.entries(config.contexts).map(([name, c]) => ({ name, ...c }));
      printTable(rt, flags.output, rows, [
        { header: "current", value: (c) => (c.name === config.currentContext ? "*" : "") },
        { header: "name", value: (c) => c.name },
        { header: "url", value: (c) => c.url },
        { header: "key file", value: (c) => c.keyFile ?? "" },
      ]);
    });

  context
    .command("use")
    .description("make a context the current one")
    .argument("<name>")
    .action(async (name: string) => {
      const config = await readConfig(path());
      if (!config.contexts[name]) throw new CliError(EXIT.usage, `no context "${name}"`, "regops context ls; regops context set NAME --url URL");
      await writeConfig(path(), { ...config, currentContext: name });
      rt.out(`current context: ${name}`);
    });

  context
    .command("set")
    .description("add or change a context (the first one becomes current): regops context set NAME --url URL [--key-file PATH]")
    .argument("<name>")
    // --url and --key-file are the global connection flags: here they say what to keep.
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ url?: string; keyFile?: string }>();
      const config = await readConfig(path());
      const before = config.contexts[name];
      const url = flags.url ?? before?.url;
      if (!url) throw new CliError(EXIT.usage, `context "${name}" needs --url`);
      try {
        new URL(url);
      } catch {
        throw new CliError(EXIT.usage, `--url ${url}: not a URL`);
      }
      const keyFile = flags.keyFile ? resolve(flags.keyFile) : before?.keyFile;
      const contexts = { ...config.contexts, [name]: { url, ...(keyFile ? { keyFile } : {}) } };
      await writeConfig(path(), { currentContext: config.currentContext ?? name, contexts });
      rt.out(`context ${name}: ${url}`);
    });

  context
    .command("rm")
    .description("remove a context")
    .argument("<name>")
    .action(async (name: string) => {
      const config = await readConfig(path());
      if (!config.contexts[name]) throw new CliError(EXIT.usage, `no context "${name}"`);
      const { [name]: _removed, ...contexts } = config.contexts;
      await writeConfig(path(), { currentContext: config.currentContext === name ? undefined : config.currentContext, contexts });
      rt.out(`removed context ${name}`);
    });
}
