// Where the API is and which key to send. Flags win over the environment, the environment over
// the context. A key is read from a file or REGOPS_API_KEY only: on a command line it would
// land in shell history and in every `ps` listing.
import { readFile } from "node:fs/promises";
import { CliError, EXIT } from "../exit-codes.js";
import { configPath, readConfig } from "./config-file.js";

export interface ConnectionFlags {
  url?: string;
  keyFile?: string;
  context?: string;
}

export interface Connection {
  url: string;
  key?: string;
}

export async function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<Connection> {
  const config = await readConfig(configPath(env));
  const contextName = flags.context ?? env.REGOPS_CONTEXT ?? config.currentContext;
  const context = contextName === undefined ? undefined : config.contexts[contextName];
  if (contextName !== undefined && context === undefined && (flags.context ?? env.REGOPS_CONTEXT) !== undefined) {
    throw new CliError(EXIT.usage, `no context "${contextName}" in ${configPath(env)}`, "regops context ls");
  }
  const url = flags.url ?? (env.REGOPS_URL || undefined) ?? context?.url;
  if (!url) {
    throw new CliError(EXIT.usage, "no API URL", "set REGOPS_URL, pass --url, or add a context: regops context set NAME --url URL");
  }
  // A context's key goes only to that context's URL: with --url or REGOPS_URL pointing
  // elsewhere, sending it would hand one server's key to another.
  const urlFromContext = flags.url === undefined && !env.REGOPS_URL;
  const keyFile = flags.keyFile ?? (env.REGOPS_API_KEY || !urlFromContext ? undefined : context?.keyFile);
  const key = keyFile ? await readKeyFile(keyFile) : env.REGOPS_API_KEY || undefined;
  return { url: url.replace(/\/+$/, ""), key };
}

async function readKeyFile(path: string): Promise<string> {
  try {
    const key = (await readFile(path, "utf8")).trim();
    if (!key) throw new CliError(EXIT.usage, `key file ${path} is empty`);
    return key;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(EXIT.usage, `cannot read key file ${path}: ${(err as Error).message}`);
  }
}
