// Trust policy documents, version 1.0 (trust-store-trust-policy.md), read and validated the way
// notation-go validates them, each refusal naming its field (`trustPolicies[1].registryScopes[0]`).
// A document that passes here can still name a trust store that is not configured: that is
// checkTrustStoresExist's job (trust-store.ts), once the stores are loaded.
import { z } from "zod";
import { isSubsetOf, parseDistinguishedName, type DistinguishedName } from "./distinguished-name.js";
import type { ValidationType } from "./failure.js";
import { enforcementOf, OVERRIDABLE, type Enforcement, type ValidationAction, type VerificationLevelName } from "./verification-level.js";

export class TrustPolicyError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "TrustPolicyError";
    this.field = field;
  }
}

export type TrustStoreType = "ca" | "signingAuthority" | "tsa";

export interface TrustPolicyStatement {
  name: string;
  /** Fully qualified repositories (`registry.example/team/app`), or ["*"]. */
  registryScopes: string[];
  level: VerificationLevelName;
  enforcement: Enforcement;
  verifyTimestamp?: "always" | "afterCertExpiry";
  trustStores: Array<{ type: TrustStoreType; name: string; ref: string }>;
  /** "*" (any identity) or parsed `x509.subject` DNs. */
  trustedIdentities: "*" | Array<{ raw: string; dn: DistinguishedName }>;
}

export interface TrustPolicyDocument {
  version: "1.0";
  statements: TrustPolicyStatement[];
}

const MAX_ITEMS = 1000;
const text = z.string().max(4096);
const statementSchema = z.strictObject({
  name: z.string().min(1).max(256),
  registryScopes: z.array(text).max(MAX_ITEMS),
  signatureVerification: z.strictObject({
    level: z.enum(["strict", "permissive", "audit", "skip"]),
    override: z.record(z.string(), z.string()).optional(),
    verifyTimestamp: z.enum(["always", "afterCertExpiry"]).optional(),
  }),
  trustStores: z.array(text).max(MAX_ITEMS).optional(),
  trustedIdentities: z.array(text).max(MAX_ITEMS).optional(),
});
const documentSchema = z.strictObject({
  version: z.literal("1.0"),
  trustPolicies: z.array(statementSchema).min(1).max(MAX_ITEMS),
});
type RawStatement = z.infer<typeof statementSchema>;

// The distribution reference grammar's domain and repository path (notation-go uses the same).
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;
const STORE_TYPES: readonly string[] = ["ca", "signingAuthority", "tsa"];
const X509_SUBJECT = "x509.subject";

function fieldOf(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("") || "(document)";
}

export function isValidRegistryScope(scope: string): boolean {
  const slash = scope.indexOf("/");
  return slash > 0 && DOMAIN.test(scope.slice(0, slash)) && REPOSITORY.test(scope.slice(slash + 1));
}

function readOverride(raw: Record<string, string> | undefined, level: VerificationLevelName, at: string) {
  const override: Partial<Record<ValidationType, ValidationAction>> = {};
  if (!raw || Object.keys(raw).length === 0) return override;
  if (level === "skip") throw new TrustPolicyError(`${at}.override`, "the skip level cannot be customised");
  for (const [key, value] of Object.entries(raw)) {
    if (key === "integrity") throw new TrustPolicyError(`${at}.override.integrity`, "integrity validation cannot be overridden");
    const allowed = OVERRIDABLE[key as ValidationType];
    if (!allowed) throw new TrustPolicyError(`${at}.override.${key}`, `unknown validation; one of ${Object.keys(OVERRIDABLE).join(", ")}`);
    if (!allowed.includes(value as ValidationAction)) throw new TrustPolicyError(`${at}.override.${key}`, `"${value}" is not one of ${allowed.join(", ")}`);
    override[key as ValidationType] = value as ValidationAction;
  }
  return override;
}

function readTrustStores(raw: string[], at: string): TrustPolicyStatement["trustStores"] {
  const seen = new Set<string>();
  const stores = raw.map((ref, i) => {
    const colon = ref.indexOf(":");
    const type = ref.slice(0, colon);
    const name = ref.slice(colon + 1);
    if (colon < 0 || !STORE_TYPES.includes(type)) throw new TrustPolicyError(`${at}[${i}]`, `"${ref}" is not {ca|signingAuthority|tsa}:{name}`);
    if (!STORE_NAME.test(name)) throw new TrustPolicyError(`${at}[${i}]`, `store name "${name}" must match [a-zA-Z0-9_.-]+`);
    if (seen.has(ref)) throw new TrustPolicyError(`${at}[${i}]`, `"${ref}" is listed twice`);
    seen.add(ref);
    return { type: type as TrustStoreType, name, ref };
  });
  if (!stores.some((s) => s.type !== "tsa")) throw new TrustPolicyError(at, "needs a ca: or signingAuthority: store; a tsa: store only checks timestamps");
  return stores;
}

function readIdentities(raw: string[], at: string): TrustPolicyStatement["trustedIdentities"] {
  if (raw.includes("*")) {
    if (raw.length > 1) throw new TrustPolicyError(at, 'the wildcard "*" cannot be combined with other identities');
    return "*";
  }
  const identities = raw.map((identity, i) => {
    const colon = identity.indexOf(":");
    if (identity === "" || colon < 0) throw new TrustPolicyError(`${at}[${i}]`, `"${identity}" is not "x509.subject: <DN>" or "*"`);
    const prefix = identity.slice(0, colon);
    if (prefix !== X509_SUBJECT) throw new TrustPolicyError(`${at}[${i}]`, `identity type "${prefix}" is not supported (only ${X509_SUBJECT})`);
    try {
      return { raw: identity, dn: parseDistinguishedName(identity.slice(colon + 1)) };
    } catch (e) {
      throw new TrustPolicyError(`${at}[${i}]`, `the distinguished name ${(e as Error).message}`);
    }
  });
  // Overlapping identities (one a subset of another) make the match ambiguous: refused.
  identities.forEach((a, i) =>
    identities.forEach((b, j) => {
      if (i !== j && isSubsetOf(a.dn, b.dn)) throw new TrustPolicyError(`${at}[${j}]`, `overlaps with ${at}[${i}] ("${a.raw}")`);
    }),
  );
  return identities;
}

function readStatement(raw: RawStatement, at: string): TrustPolicyStatement {
  const { level, verifyTimestamp } = raw.signatureVerification;
  const enforcement = enforcementOf(level, readOverride(raw.signatureVerification.override, level, `${at}.signatureVerification`));
  const stores = raw.trustStores ?? [];
  const identities = raw.trustedIdentities ?? [];
  if (level === "skip") {
    if (stores.length > 0 || identities.length > 0) throw new TrustPolicyError(at, "the skip level takes no trustStores or trustedIdentities");
    return { name: raw.name, registryScopes: raw.registryScopes, level, enforcement, verifyTimestamp, trustStores: [], trustedIdentities: [] };
  }
  if (stores.length === 0) throw new TrustPolicyError(`${at}.trustStores`, "at least one trust store is required");
  if (identities.length === 0) throw new TrustPolicyError(`${at}.trustedIdentities`, 'at least one identity (or "*") is required');
  return {
    name: raw.name,
    registryScopes: raw.registryScopes,
    level,
    enforcement,
    verifyTimestamp,
    trustStores: readTrustStores(stores, `${at}.trustStores`),
    trustedIdentities: readIdentities(identities, `${at}.trustedIdentities`),
  };
}

function checkScopes(statements: RawStatement[]): void {
  const owner = new Map<string, string>();
  statements.forEach((s, i) => {
    const at = `trustPolicies[${i}].registryScopes`;
    if (s.registryScopes.length === 0) throw new TrustPolicyError(at, 'at least one scope (or "*") is required');
    if (s.registryScopes.length > 1 && s.registryScopes.includes("*")) throw new TrustPolicyError(at, 'the global scope "*" cannot be combined with other scopes');
    s.registryScopes.forEach((scope, j) => {
      if (scope !== "*" && !isValidRegistryScope(scope)) {
        throw new TrustPolicyError(`${at}[${j}]`, `"${scope}" is not a fully qualified repository (registry.example/team/app) or "*"`);
      }
      const previous = owner.get(scope);
      if (previous) throw new TrustPolicyError(`${at}[${j}]`, `"${scope}" is already the scope of ${previous}; a scope belongs to one statement`);
      owner.set(scope, `trustPolicies[${i}] ("${s.name}")`);
    });
  });
}

/** Validates a parsed JSON value as a trust policy document; throws TrustPolicyError. */
export function readTrustPolicy(value: unknown): TrustPolicyDocument {
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TrustPolicyError(fieldOf(issue.path), issue.message);
  }
  const raw = parsed.data.trustPolicies;
  const names = new Map<string, number>();
  raw.forEach((s, i) => {
    if (names.has(s.name)) throw new TrustPolicyError(`trustPolicies[${i}].name`, `"${s.name}" is also the name of trustPolicies[${names.get(s.name)}]`);
    names.set(s.name, i);
  });
  const statements = raw.map((s, i) => readStatement(s, `trustPolicies[${i}]`));
  checkScopes(raw);
  return { version: "1.0", statements };
}

/** Parses trust policy JSON text (a file's contents). */
export function parseTrustPolicy(json: string): TrustPolicyDocument {
  if (json.length > 1024 * 1024) throw new TrustPolicyError("(document)", "larger than 1 MiB");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new TrustPolicyError("(document)", `not JSON: ${(e as Error).message}`);
  }
  return readTrustPolicy(value);
}

/** The statement for a repository (`registry/path`, no tag or digest): its exact scope, else "*". */
export function statementFor(doc: TrustPolicyDocument, repository: string): TrustPolicyStatement | undefined {
  return doc.statements.find((s) => s.registryScopes.includes(repository)) ?? doc.statements.find((s) => s.registryScopes.includes("*"));
}
