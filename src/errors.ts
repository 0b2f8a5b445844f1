// Every error regops reports, in one table: the code users see, the HTTP status a door
// answers with, whether a job may retry it, and a hint a person can act on.
// Layers below the doors throw RegopsError; REST turns it into problem+json, GraphQL puts the
// code in `extensions`, a job stores {code, message, hint}. Retries look at `retryable`,
// never at message text.

export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, retryable: false, hint: "fix the fields named in `errors` and send again" },
  INVALID_REFERENCE: {
    status: 400,
    retryable: false,
    hint: "use a docker reference such as nginx:1.27 or registry.example.com:5000/team/app@sha256:<64 hex>",
  },
  UNAUTHENTICATED: { status: 401, retryable: false, hint: "send `Authorization: Bearer <api key>`" },
  WEBHOOK_UNAUTHORIZED: {
    status: 401,
    retryable: false,
    hint: "send the registry's webhook.secret as the sender signs it (HMAC header), as Authorization, or as ?secret=",
  },
  FORBIDDEN: { status: 403, retryable: false, hint: "use an API key with the scope this route needs" },
  NOT_FOUND: { status: 404, retryable: false, hint: "check the id" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, hint: "send the body as application/json" },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, hint: "request bodies are limited to 1 MiB" },
  URI_TOO_LONG: { status: 414, retryable: false, hint: "path segments (ids) are limited to 100 characters: check the id" },
  HEADERS_TOO_LARGE: { status: 431, retryable: false, hint: "the request line and headers are limited to 16 KiB together: send long values in the body" },
  REQUEST_TIMEOUT: { status: 408, retryable: true, hint: "send the whole request at once; a connection that stalls mid-request is closed" },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    retryable: false,
    hint: "an Idempotency-Key names one request; use a new key for a different body",
  },
  REGISTRY_NOT_CONFIGURED: {
    status: 422,
    retryable: false,
    hint: "add the registry to `registries` in the config file (regops only talks to registries an operator listed)",
  },
  HOST_NOT_CONFIGURED: { status: 422, retryable: false, hint: "use a Docker host id from `hosts` in the config file (GET /v1/hosts)" },
  TAG_EXISTS: {
    status: 409,
    retryable: false,
    hint: 'the target tag exists and overwrite is "refuse"; use "backup" or "allow", or another tag',
  },
  TAG_POLICY: {
    status: 409,
    retryable: false,
    hint: "the target registry's tagPolicy forbids this write (an immutable tag, or `latest`); push a new tag instead",
  },
  REGISTRY_EXISTS: { status: 409, retryable: false, hint: "a registry with this id or address exists; PUT /v1/registries/{id} changes it" },
  REGISTRY_READ_ONLY: {
    status: 409,
    retryable: false,
    hint: "this registry is defined in the config file; change it there (the API manages only registries it created)",
  },
  SCHEDULE_EXISTS: { status: 409, retryable: false, hint: "a schedule with this id exists; pick another id or DELETE it first" },
  SCHEDULE_READ_ONLY: { status: 409, retryable: false, hint: "this schedule is defined in the config file; change it there" },
  WATCH_EXISTS: { status: 409, retryable: false, hint: "a watch with this id exists; PUT /v1/watches/{id} replaces it" },
  WATCH_READ_ONLY: { status: 409, retryable: false, hint: "this watch is defined in the config file; change it there" },
  SECRET_KEY_MISSING: {
    status: 422,
    retryable: false,
    hint: "set REGOPS_SECRET_KEY (32 bytes: openssl rand -base64 32) so credentials can be stored encrypted",
  },
  JOB_FINISHED: { status: 409, retryable: false, hint: "the job has already finished; there is nothing to cancel" },
  GRAPHQL_LIMIT: {
    status: 400,
    retryable: false,
    hint: "ask for less in one document (fewer aliases, fields, nesting or manifest fields), or split it; the limits are api.graphql.* in the config",
  },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, hint: "GET /graphql runs queries only: send mutations with POST" },
  GRAPHQL_PARSE_FAILED: { status: 400, retryable: false, hint: "the query is not GraphQL: fix the syntax at the error's location" },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    retryable: false,
    hint: "the query does not fit the schema (schema/regops.graphql, or introspect it): fix the field, argument or variable the error names",
  },
  MANIFEST_UNKNOWN: {
    status: 404,
    retryable: false,
    hint: "check the tag exists: docker manifest inspect <image>",
  },
  BLOB_UNKNOWN: {
    status: 404,
    retryable: false,
    hint: "the registry does not have a blob the manifest names (deleted, or garbage-collected): push the image again",
  },
  NAME_UNKNOWN: { status: 404, retryable: false, hint: "check the repository name: the registry has no repository by that name" },
  MANIFEST_INVALID: {
    status: 422,
    retryable: false,
    hint: "the manifest is not an image manifest with layers; for an index (a multi-platform image) pick a platform: use that platform's manifest digest",
  },
  LAYER_UNREADABLE: {
    status: 422,
    retryable: false,
    hint: "a layer is not a readable tar (plain, gzip or zstd), or does not hash to its digest: the image in the registry is damaged; push it again",
  },
  UNAUTHORIZED: { status: 502, retryable: false, hint: "check the registry credentials (config file or PUT /v1/registries/{id})" },
  CREDENTIALS_UNAVAILABLE: {
    status: 502,
    retryable: true,
    hint: "regops could not obtain credentials for this registry (docker config.json, credential helper or AWS); see the message",
  },
  DENIED: { status: 502, retryable: false, hint: "check the registry credentials and that the account may access this repository" },
  RATE_LIMITED: { status: 503, retryable: true, hint: "the registry limits requests; the job retries after the time it asked for" },
  REGISTRY_UNREACHABLE: { status: 502, retryable: true, hint: "check DNS, the proxy and TLS settings for this registry" },
  REGISTRY_ERROR: { status: 502, retryable: true, hint: "the registry answered with an unexpected error; see its logs" },
  REGISTRY_REJECTED: { status: 502, retryable: false, hint: "the registry refused the request; see the message for its error code" },
  TOKEN_REALM_REFUSED: {
    status: 422,
    retryable: false,
    hint: "the registry's 401 challenge names a token service regops will not send its credentials to; list a genuine one in the registry's `tokenRealms`",
  },
  REGISTRY_ANSWER_TOO_LARGE: {
    status: 422,
    retryable: false,
    hint: "the registry's answer is larger than regops reads; the message names the limit (registries[].limits.*), which can be raised for a trusted registry",
  },
  NOTARY_FAILED: {
    status: 502,
    retryable: false,
    hint: "notary refused the operation: check the passphrases (notary.passphrases) and the keys in notary.trustDir; the message has notary's error",
  },
  NOTARY_UNREACHABLE: {
    status: 502,
    retryable: true,
    hint: "check notary.server and notary.rootCa (the server's TLS CA); the operation is retried",
  },
  SCANNER_SYNC_NOT_CONFIGURED: {
    status: 422,
    retryable: false,
    hint: "add `scanner.sync` (from: a mirror URL or directory, into, ecosystems) to the config file",
  },
  SCANNER_DB_SYNC_FAILED: {
    status: 502,
    retryable: false,
    hint: "the mirror has no valid export for the ecosystems named; the installed advisories are kept; check scanner.sync.from and the mirror's contents",
  },
  SCANNER_DB_MIRROR_UNREACHABLE: {
    status: 502,
    retryable: true,
    hint: "the mirror did not answer or failed (network, 5xx); retried later; the installed advisories are kept meanwhile",
  },
  SCANNER_DB_INVALID: {
    status: 422,
    retryable: false,
    hint: "a source of the OSV database (scanner.osv, or scanner.sync.into) is missing, or not valid OSV JSON or zip; the message names it: fix or remove it, then reload (POST /v1/scanner/db/reload)",
  },
  SCAN_LIMIT: {
    status: 422,
    retryable: false,
    hint: "the image (or a scanner's answer) is larger than a scanner limit allows; the message names the limit and its config key (scanner.limits.*): raise it only for images you trust",
  },
  NOTARY_NOT_CONFIGURED: { status: 422, retryable: false, hint: "add `notary` (server, trustDir, passphrases) to the config file" },
  SIGNATURE_MISSING: {
    status: 409,
    retryable: false,
    hint: "the image has no signature regops can check (Notation, cosign or Notary v1): sign it (POST /v1/jobs {type: sign}) or refresh without requireSignature",
  },
  SIGNATURE_INVALID: {
    status: 409,
    retryable: false,
    hint: "no signature of the image meets the policy: the message says why each was refused (expired, untrusted chain, tampered, wrong subject, unknown critical header, wrong key); check signing.notation.trustPolicy and trustStores or signing.cosign.publicKeys, or sign it again",
  },
  SIGNING_NOT_CONFIGURED: {
    status: 422,
    retryable: false,
    hint: "add `signing.notation` (key, certificateChain) or `signing.cosign` (key) to the config file, or choose another format",
  },
  SIGNATURE_MISMATCH: {
    status: 409,
    retryable: false,
    hint: "the registry's digest differs from the signed one: the tag was overwritten after signing; sign the new digest if it is trusted",
  },
  DOCKER_UNAVAILABLE: { status: 503, retryable: true, hint: "check the Docker host is running and DOCKER_HOST / `hosts[].docker` points at it" },
  DOCKER_FAILED: { status: 502, retryable: false, hint: "the Docker engine refused the operation; see its message" },
  DISK_FULL: {
    status: 507,
    retryable: false,
    hint: "prune images/containers/volumes; see /v1/hosts/:id/df",
  },
  PLAN_NOT_FOUND: {
    status: 404,
    retryable: false,
    hint: "apply takes the id of a completed prune job with dryRun: true on the same host; make a new plan",
  },
  PLAN_EXPIRED: { status: 409, retryable: false, hint: "plans are applied within 24 hours of being made; make a new one (dryRun: true)" },
  TIMEOUT: { status: 504, retryable: true, hint: "the operation took too long; it is retried" },
  CANCELLED: { status: 409, retryable: false, hint: "the job was cancelled on request" },
  SERVICE_UNAVAILABLE: { status: 503, retryable: true, hint: "a dependency is down; see /readyz" },
  INTERNAL: { status: 500, retryable: false, hint: "an unexpected error; the service log has the details" },
} as const satisfies Record<string, { status: number; retryable: boolean; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One field that failed validation, named by its path (`image`, `hosts.0`, `body`). */
export interface FieldError {
  field: string;
  message: string;
}

export class RegopsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly hint: string;
  readonly fields: FieldError[];
  /** Seconds the caller should wait before retrying (rate limits). */
  readonly retryAfter?: number;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; fields?: FieldError[]; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "RegopsError";
    this.code = code;
    const def = ERROR_CODES[code];
    this.status = def.status;
    this.retryable = def.retryable;
    this.hint = opts.hint ?? def.hint;
    this.fields = opts.fields ?? [];
    this.retryAfter = opts.retryAfter;
  }

  /** The stored, user-facing form: what a job record and an API answer carry. */
  toJSON(): { code: ErrorCode; message: string; hint: string } {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isRegopsError(err: unknown): err is RegopsError {
  return err instanceof RegopsError;
}

/** A field-level validation failure: `400 BAD_REQUEST` naming each field. */
export function badRequest(fields: FieldError[]): RegopsError {
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join("; ");
  return new RegopsError("BAD_REQUEST", `invalid request: ${summary}`, { fields });
}
