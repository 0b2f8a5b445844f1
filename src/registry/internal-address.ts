// Which addresses are "internal": loopback, private (RFC 1918, unique-local), link-local (cloud
// metadata lives at 169.254.169.254), carrier-grade NAT, unspecified, multicast and reserved.
// A registry on the internet must not be able to point regops (and its credentials) at them;
// a registry that is itself on one may, since it is already inside.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from "node:dns";
import ipaddr from "ipaddr.js";

const INTERNAL_RANGES = new Set([
  "unspecified",
  "broadcast",
  "multicast",
  "linkLocal",
  "loopback",
  "carrierGradeNat",
  "private",
  "reserved",
  "uniqueLocal",
  "deprecatedSiteLocal",
]);

/** True for an internal IP address (v4, v6 or v4-mapped v6); false for a public one or anything that is not an IP. */
export function isInternalAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return INTERNAL_RANGES.has(ipaddr.process(address).range());
}

/**
 * What a URL's host name says without DNS: true/false for an IP literal (`[::1]` included) and
 * for `localhost` names (which resolve to loopback by RFC 6761); undefined for other names.
 */
export function hostIsInternal(hostname: string): boolean | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (ipaddr.isValid(bare)) return isInternalAddress(bare);
  const name = bare.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return undefined;
}

/** A resolver with the shape of dns.lookup({all: true}), so tests can hand in their own answers. */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** Whether a host is internal, resolving a name; a name that does not resolve counts as not internal. */
export async function hostResolvesInternal(hostname: string, resolve: ResolveAll = resolveAll): Promise<boolean> {
  const known = hostIsInternal(hostname);
  if (known !== undefined) return known;
  try {
    return (await resolve(hostname)).some((a) => isInternalAddress(a.address));
  } catch {
    return false;
  }
}

/** Thrown (as a socket error) by the guarded lookup; the token fetch turns it into TOKEN_REALM_REFUSED. */
export class InternalAddressError extends Error {
  readonly code = "EREGOPS_INTERNAL_ADDRESS";
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to the internal address ${address}`);
    this.name = "InternalAddressError";
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect that refuses names resolving to internal addresses. The check
 * is on the addresses actually connected to, so a name cannot pass a check and then rebind.
 */
export function guardedLookup(resolve: ResolveAll = resolveAll) {
  return (hostname: string, options: LookupOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const internal = addresses.find((a) => isInternalAddress(a.address));
        if (internal) return callback(new InternalAddressError(hostname, internal.address), "", 0);
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (!wanted.length) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = "ENOTFOUND";
          return callback(err, "", 0);
        }
        if (options.all) return callback(null, wanted);
        return callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}
