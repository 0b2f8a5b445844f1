// Credentials from a docker CLI config.json, found the way `docker pull` finds them:
// credHelpers[registry] wins, then credsStore, then auths[registry]. The file is looked at on
// every get() (re-parsed only when it changed), so a `docker login` takes effect at once.
// Lookup keys follow the CLI: Docker Hub is "https://index.docker.io/v1/", any other registry
// its host[:port]; keys written as URLs ("https://host/v1/") match their host.
import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { CredentialHelpers } from "./cred-helper.js";
import { CredentialsError, type CredentialSource, type RegistryCredentials } from "./source.js";

/** The key `docker login` stores Docker Hub under. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";
const DOCKER_HUB_NAMES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

const authEntrySchema = z.looseObject({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
});
type AuthEntry = z.infer<typeof authEntrySchema>;

const configFileSchema = z.looseObject({
  auths: z.record(z.string(), authEntrySchema).optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
  credsStore: z.string().optional(),
});
type ConfigFile = z.infer<typeof configFileSchema>;

/** The docker CLI's ConvertToHostname: "https://host:5000/v1/" and "host:5000/path" are "host:5000". */
export function convertToHostname(maybeUrl: string): string {
  // The authority as Go's url.Parse sees it; WHATWG URL would drop a default port such as :443.
  const authority = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]+)/.exec(maybeUrl)?.[1];
  if (authority) return authority;
  return maybeUrl.split("/", 1)[0] ?? "";
}

/** The key the docker CLI looks a registry up by. `registryHost` is host[:port]. */
export function dockerConfigKey(registryHost: string): string {
  return DOCKER_HUB_NAMES.has(registryHost) ? DOCKER_HUB_KEY : registryHost;
}

export interface DockerConfigOptions {
  /** Runs credHelpers/credsStore programs; share one so their answers are cached across registries. */
  helpers?: CredentialHelpers;
}

export function dockerConfigCredentials(configPath: string, registryHost: string, opts: DockerConfigOptions = {}): CredentialSource {
  const helpers = opts.helpers ?? new CredentialHelpers();
  const key = dockerConfigKey(registryHost);
  const file = new ConfigFileCache(configPath);
  return {
    type: "dockerConfig",
    async get(signal) {
      const config = await file.read();
      const helper = lookup(config.credHelpers, key) ?? (config.credsStore || undefined);
      // Like the CLI: with a helper configured, its "not found" is the answer; auths is not consulted.
      if (helper) return helpers.get(helper, key, signal);
      const found = lookupEntry(config.auths, key);
      return found && fromEntry(found.entry, `${configPath}: auths["${found.key}"]`);
    },
  };
}

/** The parsed file, read again only when its mtime or size changed. */
class ConfigFileCache {
  private cached?: { mtimeMs: number; size: number; config: ConfigFile };

  constructor(private readonly path: string) {}

  async read(): Promise<ConfigFile> {
    let info;
    try {
      info = await stat(this.path);
    } catch (err) {
      throw new CredentialsError(`docker config ${this.path} cannot be read (${errorCode(err)})`);
    }
    const c = this.cached;
    if (c && c.mtimeMs === info.mtimeMs && c.size === info.size) return c.config;
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      throw new CredentialsError(`docker config ${this.path} cannot be read (${errorCode(err)})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text around the error, and the text holds passwords.
      throw new CredentialsError(`docker config ${this.path} is not valid JSON`);
    }
    const parsed = configFileSchema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join(".") || "the top level";
      throw new CredentialsError(`docker config ${this.path} has an unexpected shape at ${where}`);
    }
    this.cached = { mtimeMs: info.mtimeMs, size: info.size, config: parsed.data };
    return parsed.data;
  }
}

// Exact key first; then any key naming the same host. Docker Hub's aliases all count as Hub,
// so a file written by podman ("docker.io") works too.
function lookupKey(keys: Iterable<string>, key: string): string | undefined {
  const all = [...keys];
  if (all.includes(key)) return key;
  const want = normalise(key);
  return all.find((k) => normalise(k) === want);
}

function normalise(key: string): string {
  const host = convertToHostname(key).toLowerCase();
  return DOCKER_HUB_NAMES.has(host) ? "index.docker.io" : host;
}

function lookup(map: Record<string, string> | undefined, key: string): string | undefined {
  const k = map && lookupKey(Object.keys(map), key);
  return k === undefined ? undefined : map?.[k] || undefined;
}

function lookupEntry(auths: Record<string, AuthEntry> | undefined, key: string): { key: string; entry: AuthEntry } | undefined {
  const k = auths && lookupKey(Object.keys(auths), key);
  const entry = k === undefined ? undefined : auths?.[k];
  return k !== undefined && entry ? { key: k, entry } : undefined;
}

function fromEntry(entry: AuthEntry, where: string): RegistryCredentials | undefined {
  let username = entry.username ?? "";
  let password = entry.password ?? "";
  // `auth` (base64 "user:password") wins over the separate fields, as in the CLI.
  if (entry.auth) [username, password] = decodeAuth(entry.auth, where);
  const identityToken = entry.identitytoken || undefined;
  if (!username && !password && !identityToken) return undefined;
  return identityToken ? { username, password, identityToken } : { username, password };
}

function decodeAuth(auth: string, where: string): [string, string] {
  const bad = new CredentialsError(`${where}.auth is not base64 of "user:password"`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(auth) || auth.length % 4 !== 0) throw bad;
  const decoded = Buffer.from(auth, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw bad;
  // The CLI trims NULs some old tools left at the end of the password.
  return [decoded.slice(0, colon), decoded.slice(colon + 1).replace(/^\0+|\0+$/g, "")];
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? "unknown error";
}
