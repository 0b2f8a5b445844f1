// Docker engine failures as typed errors: an engine that does not answer is retryable
// (DOCKER_UNAVAILABLE), a full disk says how to make room, anything else keeps the engine's message.
import { RegopsError } from "../errors.js";

export function dockerError(err: unknown, host: string): RegopsError {
  if (err instanceof RegopsError) return err;
  const e = err as { code?: string; message?: string; statusCode?: number; json?: { message?: string }; name?: string };
  if (e?.name === "AbortError") return new RegopsError("CANCELLED", `operation on Docker host "${host}" was aborted`);
  const message = e?.json?.message ?? e?.message ?? String(err);
  if (["ECONNREFUSED", "ENOENT", "EACCES", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"].includes(e?.code ?? "")) {
    return new RegopsError("DOCKER_UNAVAILABLE", `Docker host "${host}" does not answer (${e.code})`, { cause: err });
  }
  // The engine runs one disk-usage walk at a time (df, a prune's plan): another caller's is a
  // wait, not a failure, so it is retried like an engine that does not answer.
  if (/operation is already running/i.test(message)) {
    return new RegopsError("DOCKER_UNAVAILABLE", `Docker host "${host}" is busy: ${message}`, { cause: err });
  }
  if (/no space left on device/i.test(message)) {
    return new RegopsError("DISK_FULL", `Docker host "${host}": no space left on device`, { cause: err });
  }
  if (/toomanyrequests|rate limit/i.test(message)) {
    return new RegopsError("RATE_LIMITED", `Docker host "${host}": ${message}`, { retryAfter: 60, cause: err });
  }
  if (/manifest unknown|not found: manifest|manifest for .* not found/i.test(message)) {
    return new RegopsError("MANIFEST_UNKNOWN", `Docker host "${host}": ${message}`, { cause: err });
  }
  if (/unauthorized|authentication required/i.test(message)) {
    return new RegopsError("UNAUTHORIZED", `Docker host "${host}": ${message}`, { cause: err });
  }
  if (/connection refused|no such host|i\/o timeout|TLS handshake|server gave HTTP response/i.test(message)) {
    return new RegopsError("REGISTRY_UNREACHABLE", `Docker host "${host}" cannot reach the registry: ${message}`, {
      hint: "the Docker engine could not reach the registry: check its DNS, proxy and insecure-registries settings",
      cause: err,
    });
  }
  return new RegopsError("DOCKER_FAILED", `Docker host "${host}": ${message}`, { cause: err });
}
