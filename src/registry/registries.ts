// Which configured registry a reference belongs to. regops talks only to registries an
// operator listed: anything else is REGISTRY_NOT_CONFIGURED (so a webhook or API caller
// cannot make it reach arbitrary hosts).
import type { RegistryConfig } from "../config.js";
import { RegopsError } from "../errors.js";
import type { Reference } from "./reference.js";

// Docker Hub answers under several names; references are normalized to docker.io.
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/** The reference-domain form of a registry URL: host[:port], Docker Hub as docker.io. */
export function registryDomain(url: string): string {
  const u = new URL(url);
  return DOCKER_HUB_HOSTS.has(u.hostname) ? "docker.io" : u.host;
}

export function findRegistry(registries: readonly RegistryConfig[], ref: Reference): RegistryConfig {
  const found = registries.find((r) => registryDomain(r.url) === ref.domain);
  if (!found) {
    throw new RegopsError("REGISTRY_NOT_CONFIGURED", `registry ${ref.domain} is not configured`, {
      fields: [{ field: "image", message: `registry ${ref.domain} is not in the configuration` }],
    });
  }
  return found;
}
