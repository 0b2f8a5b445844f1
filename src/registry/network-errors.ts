// Turns a failed connection into REGISTRY_UNREACHABLE that says which layer failed (DNS,
// connection, TLS) or TIMEOUT: the first thing a person debugging "can't reach the registry"
// needs to know.
import { RegopsError } from "../errors.js";

const DNS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME"]);
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"]);
const TLS_PATTERN = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** The first error code along an error's cause chain (undici wraps socket errors). */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return (err as { code?: string })?.code;
}

export function networkError(err: unknown, where: string): RegopsError {
  if (err instanceof RegopsError) return err;
  if ((err as Error)?.name === "AbortError") return new RegopsError("CANCELLED", `request to ${where} was aborted`);
  const code = errorCode(err) ?? "UNKNOWN";
  if (code === "EREGOPS_INTERNAL_ADDRESS") {
    // internal-address.ts guardedLookup: a name the registry pointed at resolves inside.
    return new RegopsError("REGISTRY_REJECTED", `${where} resolves to an internal address, and the registry that sent regops there is not on one`, { cause: err });
  }
  if (DNS.has(code)) {
    return new RegopsError("REGISTRY_UNREACHABLE", `DNS: cannot resolve ${where} (${code})`, {
      hint: "check the registry host name and this machine's DNS resolver",
      cause: err,
    });
  }
  if (TIMEOUTS.has(code)) {
    return new RegopsError("TIMEOUT", `timed out talking to ${where} (${code})`, { cause: err });
  }
  if (TLS_PATTERN.test(code)) {
    return new RegopsError("REGISTRY_UNREACHABLE", `TLS: handshake with ${where} failed (${code})`, {
      hint: "check the registry's certificate, or set `insecure: true` for a plain-http registry",
      cause: err,
    });
  }
  return new RegopsError("REGISTRY_UNREACHABLE", `connection: cannot connect to ${where} (${code})`, {
    hint: "check the registry is running, its port, and any proxy in between",
    cause: err,
  });
}
