// Which parts of a registry are secret, and how a registry is split into what may be stored as
// is and what must be sealed. One list, so a new secret-bearing field is sealed by adding it
// here: credentials (`auth`, whichever kind: password, ECR keys), the webhook secret, and the
// user info of a proxy URL (`http://user:pass@proxy:3128`).
import type { RegistryConfig } from "../registry/schema.js";

/** The secret parts of one registry, sealed together as one JSON blob. */
export interface RegistrySecrets {
  auth?: RegistryConfig["auth"];
  webhookSecret?: string;
  /** The whole proxy URL, when it carries a user name or password. */
  proxy?: string;
}

/** A registry with its secrets taken out: safe to store in the clear. */
export type PublicRegistry = Omit<RegistryConfig, "auth" | "webhook"> & { webhook?: undefined };

export interface SplitRegistry {
  registry: PublicRegistry;
  secrets: RegistrySecrets;
  /** The fields that hold a secret, as an API caller names them (auth, webhook.secret, proxy). */
  fields: string[];
}

function proxyWithoutUser(proxy: string): string | undefined {
  const u = new URL(proxy);
  if (!u.username && !u.password) return undefined;
  u.username = "";
  u.password = "";
  return u.toString();
}

export function splitSecrets(config: RegistryConfig): SplitRegistry {
  const { auth, webhook, ...rest } = config;
  const registry: PublicRegistry = { ...rest };
  const secrets: RegistrySecrets = {};
  const fields: string[] = [];
  if (auth) {
    secrets.auth = auth;
    fields.push("auth");
  }
  if (webhook?.secret !== undefined) {
    secrets.webhookSecret = webhook.secret;
    fields.push("webhook.secret");
  }
  const bareProxy = config.proxy === undefined ? undefined : proxyWithoutUser(config.proxy);
  if (bareProxy !== undefined) {
    secrets.proxy = config.proxy;
    registry.proxy = bareProxy;
    fields.push("proxy");
  }
  return { registry, secrets, fields };
}

/** The registry again, from its stored part and its opened secrets. */
export function joinSecrets(registry: PublicRegistry | RegistryConfig, secrets: RegistrySecrets): RegistryConfig {
  const joined: RegistryConfig = { ...registry } as RegistryConfig;
  if (secrets.auth) joined.auth = secrets.auth;
  if (secrets.webhookSecret !== undefined) joined.webhook = { secret: secrets.webhookSecret };
  if (secrets.proxy !== undefined) joined.proxy = secrets.proxy;
  return joined;
}

/** True when a stored registry still holds a secret in the clear (written by an older regops). */
export function holdsSecrets(registry: PublicRegistry | RegistryConfig): boolean {
  return splitSecrets(registry as RegistryConfig).fields.length > 0;
}
