// How each route's responses are documented: the media type they are sent with, a description
// per status, their headers, and the refusals every route of a kind can answer whatever its own
// schema says (no key, a dependency down, a bad body), so that a client generated from the
// document knows every answer it can get.
import { PROBLEM_CONTENT_TYPE } from "../problem.js";
import { NEEDS_REDIS } from "../redis-guard.js";

type JsonSchema = Record<string, unknown>;

export interface ResponseObject {
  description: string;
  /** "null": no body (@fastify/swagger then adds no content). */
  type?: "null";
  content?: Record<string, { schema: JsonSchema }>;
  headers?: Record<string, JsonSchema>;
}

/** What a route is, as far as the refusals it can answer go. */
export interface RouteFacts {
  method: string;
  url: string;
  /** `config.scope`: "public" routes take no key; "write" and "admin" refuse a key below them. */
  scope: string;
  hasBody: boolean;
  hasParams: boolean;
  hasQuery: boolean;
}

const PROBLEM_REF: JsonSchema = { $ref: "#/components/schemas/Problem" };

const SUCCESS: Record<string, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted: queued, to be carried out by a worker",
  204: "Done; no body",
};

const REFUSALS: Record<string, string> = {
  400: "Bad request: `errors` names each field that is wrong (BAD_REQUEST, INVALID_REFERENCE, ...)",
  401: "No API key, or not one the service knows (UNAUTHENTICATED); the webhook route: a wrong webhook secret",
  403: "The API key lacks the scope this operation needs (FORBIDDEN)",
  404: "Not found (NOT_FOUND, or a more precise code)",
  409: "Conflicts with the current state; `code` says how",
  413: "The body is larger than 1 MiB (PAYLOAD_TOO_LARGE)",
  414: "A path segment (an id) is longer than 100 characters (URI_TOO_LONG)",
  415: "The body is not application/json (UNSUPPORTED_MEDIA_TYPE)",
  422: "Well-formed, but it cannot be carried out; `code` says why",
  429: "Too many requests; Retry-After says when to try again",
  500: "An unexpected error (INTERNAL); the service log has the details",
  502: "A registry, Docker host, Notary server or mirror refused or failed; `code` says which",
  503: "Unavailable for now: a dependency is down (SERVICE_UNAVAILABLE, e.g. Redis) or a registry rate-limits regops (RATE_LIMITED); Retry-After, when sent, says when to try again",
  504: "The operation took too long (TIMEOUT)",
  507: "A Docker host's disk is full (DISK_FULL)",
};

const RETRY_AFTER = { type: "integer", minimum: 0, description: "Seconds to wait before trying again" };
const LOCATION = { type: "string", description: "The URL of what was created (the job, for a 202)", required: true };

// The operations that answer with a Location header (`reply.header("location", ...)`); the
// contract check of the integration tests (test/helpers/contract.ts) fails one that does not
// send it, since it is documented as required.
const SENDS_LOCATION = new Set(["POST /v1/jobs", "POST /v1/registries", "POST /v1/watches", "POST /v1/schedules"]);

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The statuses a route can answer besides those it declares, because of the hooks in front of it. */
function implicitRefusals(route: RouteFacts): string[] {
  const statuses: string[] = [];
  if (route.scope !== "public") statuses.push("401"); // auth-hook.ts
  if (route.scope === "write" || route.scope === "admin") statuses.push("403");
  // validation, body limit, content-type parsers: Fastify parses a body on every method that can
  // carry one, whether or not the route declares it
  if (route.hasBody || BODY_METHODS.has(route.method)) statuses.push("400", "413", "415");
  if (route.hasParams || route.hasQuery) statuses.push("400");
  if (route.hasParams) statuses.push("414"); // maxParamLength (client-error.ts)
  if (NEEDS_REDIS.some((p) => route.url.startsWith(p))) statuses.push("503"); // redis-guard.ts
  return statuses;
}

const isResponseObject = (v: JsonSchema): v is JsonSchema & ResponseObject => typeof v.content === "object" && v.content !== null;

/** `#/components/schemas/NotaryKeys` → "the notary keys". */
function named(ref: unknown): string | undefined {
  if (typeof ref !== "string") return undefined;
  return `the ${ref.split("/").pop()!.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase()}`;
}

function describe(status: string, schema: JsonSchema): string {
  const own = typeof schema.description === "string" && schema.description && !schema.$ref ? schema.description : undefined;
  if (own) return own;
  const what = status === "200" ? named(schema.$ref) : undefined;
  if (what) return `OK: ${what}`;
  return SUCCESS[status] ?? REFUSALS[status] ?? `HTTP ${status}`;
}

/**
 * The route's response schemas (JSON schemas by status, as fastify-type-provider-zod made them)
 * as OpenAPI responses. A schema whose root carries `contentMediaType` is sent as that media
 * type (the SSE stream); every 4xx/5xx is problem+json (errors.ts sends nothing else).
 */
export function documentResponses(route: RouteFacts, declared: Record<string, JsonSchema>): Record<string, ResponseObject> {
  const responses: Record<string, ResponseObject> = {};
  const statuses = [...new Set([...Object.keys(declared), ...implicitRefusals(route)])].sort();
  for (const status of statuses) {
    const schema = declared[status] ?? PROBLEM_REF;
    const response: ResponseObject = { description: describe(status, schema) };
    if (isResponseObject(schema)) {
      response.content = schema.content; // documented by hand (plain-routes.ts)
    } else if (Number(status) >= 400) {
      response.content = { [PROBLEM_CONTENT_TYPE]: { schema } };
    } else if (schema.type === "null") {
      response.type = "null";
    } else {
      const { contentMediaType, ...body } = schema;
      const mediaType = typeof contentMediaType === "string" ? contentMediaType : "application/json";
      response.content = { [mediaType]: { schema: body } };
    }
    if (Number(status) < 300 && SENDS_LOCATION.has(`${route.method} ${route.url}`)) {
      response.headers = { Location: LOCATION };
      response.description += "; the Location header is its URL";
    }
    if (status === "429" || status === "503") response.headers = { "Retry-After": RETRY_AFTER };
    responses[status] = response;
  }
  return responses;
}
