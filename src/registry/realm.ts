// Where a registry's credentials may go when its 401 challenge names a token service (`realm`).
// docker and containerd send them to the realm, wherever it is: Docker Hub's registry lives on
// registry-1.docker.io and its token service on auth.docker.io. A hostile or compromised
// registry can name any realm, so regops adds what they leave out: an https registry's realm
// must be https (credentials never go out in clear), a realm on an internal address (loopback,
// private, link-local) is refused unless the registry is itself on one, and `tokenRealms`
// narrows the realms to a list the operator trusts (then wherever they are).
import { z } from "zod";
import { RegopsError } from "../errors.js";
import { hostIsInternal } from "./internal-address.js";

export interface RealmPolicy {
  /** The registry's own URL: its origin is always an acceptable realm (it has the credentials already). */
  registry: URL;
  /** `tokenRealms` of the registry's config: origins or URL prefixes the realm must start with. */
  tokenRealms?: readonly string[];
  /** Whether the registry itself is on an internal address (then internal realms are its neighbours). */
  registryInternal: boolean;
}

export interface CheckedRealm {
  url: URL;
  /**
   * The realm's host is a name whose addresses are unknown until it is resolved: the request
   * must go through a lookup that refuses internal addresses (internal-address.ts guardedLookup).
   */
  resolveGuarded: boolean;
}

function refused(registry: URL, realm: string, why: string): RegopsError {
  return new RegopsError("TOKEN_REALM_REFUSED", `${registry.host} asked for credentials to be sent to the token service ${realm}, which is refused: ${why}`, {
    hint: "if this token service is really the registry's, list it in the registry's `tokenRealms` (and use https); otherwise the registry is misconfigured or hostile",
  });
}

/** True when `realm` is `prefix` or below it: same origin, and the path continues at a segment boundary. */
export function realmMatches(realm: URL, prefix: string): boolean {
  let p: URL;
  try {
    p = new URL(prefix);
  } catch {
    return false;
  }
  if (p.origin !== realm.origin) return false;
  const base = p.pathname.endsWith("/") ? p.pathname : `${p.pathname}/`;
  return p.pathname === "/" || realm.pathname === p.pathname || realm.pathname.startsWith(base);
}

/** Checks a challenge's realm against the policy; throws TOKEN_REALM_REFUSED, never touching the network. */
export function checkRealm(realm: string, policy: RealmPolicy): CheckedRealm {
  const { registry } = policy;
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw refused(registry, JSON.stringify(realm.slice(0, 200)), "it is not a URL");
  }
  const shown = `${url.origin}${url.pathname}`;
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refused(registry, shown, "only http and https token services are used");
  if (url.username || url.password) throw refused(registry, shown, "the realm carries credentials of its own");
  if (registry.protocol === "https:" && url.protocol !== "https:") {
    throw refused(registry, shown, "the registry is https but the token service is plain http (the credentials would travel in clear)");
  }
  if (url.origin === registry.origin) return { url, resolveGuarded: false };
  if (policy.tokenRealms) {
    if (!policy.tokenRealms.some((p) => realmMatches(url, p))) throw refused(registry, shown, "it is not in the registry's tokenRealms");
    // The operator named this token service: it is trusted wherever it is (a registry reached
    // through a proxy may well have its token service on an internal address).
    return { url, resolveGuarded: false };
  }
  if (policy.registryInternal) return { url, resolveGuarded: false };
  const internal = hostIsInternal(url.hostname);
  if (internal === true) throw refused(registry, shown, "it is on an internal (loopback, private or link-local) address and the registry is not");
  return { url, resolveGuarded: internal === undefined };
}

/**
 * Where a redirect or an upload Location may send regops (without credentials) for a registry:
 * anywhere for a registry on an internal address; for one that is not, never to an internal
 * address (a public registry must not reach the cloud metadata service or the intranet through
 * regops). "guarded": a name, to be checked on the addresses it resolves to when connected.
 */
export function checkForeignHop(target: URL, registryInternal: boolean, what: string): "direct" | "guarded" {
  if (registryInternal) return "direct";
  const internal = hostIsInternal(target.hostname);
  if (internal === true) {
    throw new RegopsError("REGISTRY_REJECTED", `${what}: the registry sent regops to ${target.host}, an internal address, and is not on one itself`);
  }
  return internal === undefined ? "guarded" : "direct";
}

/** `tokenRealms` in a registry's config: the token services its credentials may go to, besides its own origin. */
export const tokenRealmsSchema = z
  .array(z.url({ protocol: /^https?$/ }).max(2048))
  .min(1)
  .max(16)
  .meta({
    description:
      "Token services (origins or URL prefixes, e.g. https://auth.docker.io/token) this registry's 401 challenge may send credentials to, besides the registry's own origin; others are refused",
  });
