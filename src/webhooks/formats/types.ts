// The contract between POST /v1/webhooks/{registryId} and one parser per sender format. The
// route picks the format by the registry's configured `kind`, calls verify() on the exact bytes
// received, then parse(); everything below the route is pure: no I/O, no Redis, no HTTP.

/** One thing a delivery announces, normalized. A delivery may announce several (Harbor resources, distribution envelopes, Quay tags). */
export interface WebhookEvent {
  /** push | pull | delete | scan | quota | replication | retention | build | chart | other — only "push" of an image manifest with a tag can make a refresh */
  action: string;
  /** Registry host as the payload states it (host[:port]), if it does. Docker Hub: "docker.io". */
  host?: string;
  /** Repository path inside the registry, e.g. "library/nginx", "project/app" (no host). */
  repository?: string;
  tag?: string;
  /** A sha256:<64 hex> digest; anything else (40-hex git SHAs, xxxx redactions, 60-hex doc typos) is NOT a digest → leave undefined */
  digest?: string;
  /** Set when this event must not make a refresh: the reason, for the delivery log and the 202 body, e.g. "pull events are ignored", "layer push (blob), not a manifest", "push by digest without a tag", "scan results are ignored", "Helm chart events are ignored". */
  ignored?: string;
}

export interface WebhookRequest {
  /** The exact bytes received (signatures are over these). */
  rawBody: Buffer;
  /** The body already parsed as JSON (the route does that and answers 400 when it is not JSON). For GitHub form-encoded deliveries (application/x-www-form-urlencoded, payload=<json>) the route passes the raw form; the github format parses `payload`. */
  body: unknown;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
}

/** What a delivery's request line and headers show, before its body is read. */
export type WebhookHead = Pick<WebhookRequest, "headers" | "query">;

/**
 * The verdict on a delivery's head: authentic already (the secret is in a header or the query),
 * refused (with the reason), or "needs-body" (an HMAC signature is present: it can only be
 * checked against the body, read within the body limit).
 */
export type HeadVerdict = "authentic" | "needs-body" | { refused: string };

export interface WebhookFormat {
  /** e.g. "dockerhub", "harbor", "distribution", ... */
  name: string;
  /** Checks the delivery against the registry's webhook secret; undefined when authentic, else the reason (for the log; the route answers 401). Compares with crypto.timingSafeEqual over equal-length digests. */
  verify(req: WebhookRequest, secret: string): string | undefined;
  /** The same check on the head alone, so a stranger's delivery is refused before its body is read (let alone parsed). */
  verifyHead(head: WebhookHead, secret: string): HeadVerdict;
  /** Normalizes the delivery into events. Throws WebhookFormatError naming the field when the body is JSON but not this format's shape (the route answers 400). */
  parse(req: WebhookRequest): WebhookEvent[];
}
