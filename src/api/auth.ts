// API keys from the config, sent as `Authorization: Bearer <key>`. Keys are compared as
// SHA-256 digests with timingSafeEqual, against every configured key, so neither the key's
// content nor its length leaks through timing. With no key configured nothing but the health
// routes answer: the service refuses to run open.
import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiKeyConfig, Scope } from "../config.js";
import { RegopsError } from "../errors.js";

export interface Principal {
  id: string;
  scopes: readonly Scope[];
}

// admin may do everything write may, write everything read may.
const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

export class ApiKeys {
  private readonly keys: { id: string; scopes: readonly Scope[]; digest: Buffer }[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.keys = keys.map((k) => ({ id: k.id, scopes: k.scopes, digest: digest(k.key) }));
  }

  /** The principal an Authorization header names; throws 401 when it names none. */
  authenticate(header: string | undefined): Principal {
    if (this.keys.length === 0) {
      throw new RegopsError("UNAUTHENTICATED", "no API keys are configured, so every request is refused", {
        hint: "add a key under auth.apiKeys in the config file (npm run dev creates one)",
      });
    }
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new RegopsError("UNAUTHENTICATED", "missing or malformed Authorization header");
    const presented = digest(m[1]!);
    let found: Principal | undefined;
    for (const k of this.keys) {
      // no early exit: every key is compared
      if (timingSafeEqual(presented, k.digest) && !found) found = { id: k.id, scopes: k.scopes };
    }
    if (!found) throw new RegopsError("UNAUTHENTICATED", "unknown API key");
    return found;
  }
}

export function hasScope(p: Principal, needed: Scope): boolean {
  return p.scopes.some((s) => RANK[s] >= RANK[needed]);
}

/** Every scope the key has, the implied ones included, lowest first. */
export function effectiveScopes(p: Principal): Scope[] {
  return (Object.keys(RANK) as Scope[]).filter((s) => hasScope(p, s));
}

export function requireScope(p: Principal, needed: Scope): void {
  if (!hasScope(p, needed)) {
    throw new RegopsError("FORBIDDEN", `API key "${p.id}" lacks the ${needed} scope`);
  }
}

/**
 * Cancelling: a key may stop the jobs it submitted, an admin key any job (jobs of webhooks,
 * schedules and pipelines too). Says nothing of who submitted the job.
 */
export function requireJobOwner(p: Principal, job: { id: string; submittedBy?: string }): void {
  if (hasScope(p, "admin") || job.submittedBy === p.id) return;
  throw new RegopsError("FORBIDDEN", `job ${job.id} was not submitted with API key "${p.id}"; only its own key or an admin key may cancel it`, {
    hint: "cancel it with the key that submitted it, or with an admin key",
  });
}
