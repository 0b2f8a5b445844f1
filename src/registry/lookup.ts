// Which configured registry a reference belongs to. regops talks only to registries an
// operator listed: anything else is REGISTRY_NOT_CONFIGURED (so a webhook or API caller
// cannot make it reach arbitrary hosts).
import type { RegistryConfig } from "./schema.js";
import { RegopsError } from "../errors.js";
import type { Reference } from "./reference.js";

// Docker Hub answers under several names; references are normalized to docker.io.
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

// registryDomain per URL: every job looks its registry up (at admission and in the worker),
// and parsing each configured URL again for each lookup is most of what that costs. URLs
// come from the configuration and the registries API, so there are few; the bound is only
// a guard.
const domains = new Map<string, string>();
const DOMAINS_MAX = 1000;

/** The reference-domain form of a registry URL: host[:port], Docker Hub as docker.io. */
export function registryDomain(url: string): string {
  let domain = domains.get(url);
  if (domain === undefined) {
    const u = new URL(url);
    domain = DOCKER_HUB_HOSTS.has(u.hostname) ? "docker.io" : u.host;
    if (domains.size >= DOMAINS_MAX) domains.clear();
    domains.set(url, domain);
  }
  return domain;
}

/** REGISTRY_NOT_CONFIGURED for a reference no configured registry serves. */
export function registryNotConfigured(ref: Reference): RegopsError {
  return new RegopsError("REGISTRY_NOT_CONFIGURED", `registry ${ref.domain} is not configured`, {
    fields: [{ field: "image", message: `registry ${ref.domain} is not in the configuration` }],
  });
}

export function findRegistry(registries: readonly RegistryConfig[], ref: Reference): RegistryConfig {
  for (const r of registries) if (registryDomain(r.url) === ref.domain) return r;
  throw registryNotConfigured(ref);
}
