// ~/.config/regops/config.yaml: named contexts, like kubectl's kubeconfig. A context holds the
// API's URL and where its key is (a file), never the key itself, so the file can be shared.
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { CliError, EXIT } from "../exit-codes.js";

const contextSchema = z.strictObject({
  url: z.url(),
  keyFile: z.string().min(1).optional(),
});

const configSchema = z.strictObject({
  currentContext: z.string().optional(),
  contexts: z.record(z.string(), contextSchema).default({}),
});

export type CliContext = z.infer<typeof contextSchema>;
export type CliConfig = z.infer<typeof configSchema>;

/** $XDG_CONFIG_HOME/regops/config.yaml, else ~/.config/regops/config.yaml; REGOPS_CLI_CONFIG overrides (not REGOPS_CONFIG: that is the service's file). */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.REGOPS_CLI_CONFIG) return env.REGOPS_CLI_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "regops", "config.yaml");
}

export async function readConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { contexts: {} };
    throw new CliError(EXIT.usage, `cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = configSchema.safeParse(parse(text) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(EXIT.usage, `${path}: ${issue?.path.join(".") || "(top)"}: ${issue?.message}`);
  }
  return parsed.data;
}

export async function writeConfig(path: string, config: CliConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, stringify(config), { mode: 0o600 });
  await chmod(path, 0o600);
}
