// Errors as RFC 9457 problem details: one shape for every 4xx/5xx the REST API sends.
import { z } from "zod";
import { RegopsError, type ErrorCode, type FieldError } from "../errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    hint: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    retryAfter: z.number().optional(),
  })
  .meta({ id: "Problem" });

export type Problem = z.infer<typeof problemSchema>;

const TITLES: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 409: "Conflict",
  413: "Payload Too Large", 414: "URI Too Long", 415: "Unsupported Media Type", 422: "Unprocessable Content", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
  500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 507: "Insufficient Storage",
};

export function problemFrom(err: RegopsError, instance?: string): Problem {
  const p: Problem = {
    type: `urn:regops:problem:${err.code.toLowerCase().replace(/_/g, "-")}`,
    title: TITLES[err.status] ?? "Error",
    status: err.status,
    detail: err.message,
    code: err.code,
    hint: err.hint,
  };
  if (instance) p.instance = instance;
  if (err.fields.length) p.errors = err.fields;
  if (err.retryAfter !== undefined) p.retryAfter = err.retryAfter;
  return p;
}

/** A RegopsError for an HTTP-level failure Fastify reported (bad JSON, body too large, ...). */
export function httpError(status: number, message: string, fields: FieldError[] = []): RegopsError {
  const byStatus: Partial<Record<number, ErrorCode>> = {
    401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 413: "PAYLOAD_TOO_LARGE", 414: "URI_TOO_LONG", 415: "UNSUPPORTED_MEDIA_TYPE",
  };
  return new RegopsError(byStatus[status] ?? "BAD_REQUEST", message, { fields });
}
