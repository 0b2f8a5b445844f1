// What every answer must be: no 5xx, and every 4xx an RFC 9457 problem (application/problem+json
// with type, title and status). /graphql may answer its own documented shape instead:
// application/json with an `errors` array of objects with a `message` (Mercurius' parse and
// validation errors); its auth and limit refusals are problems like every other route.
import type { Answer, FuzzRequest } from "./request.js";

export type Verdict =
  | { ok: true; upstream?: string }
  | { ok: false; class: "5xx" | "4xx-not-problem" | "bad-json" | "graphql-internal"; why: string };

/**
 * Registry errors are documented 502s of the routes that ask a registry synchronously
 * (GET /v1/manifests): the fuzzer may create a registry at an address that does not answer
 * (DNS fails on this machine) and then ask it. Counted apart, never hidden.
 */
const UPSTREAM_CODES = new Set(["REGISTRY_UNREACHABLE", "REGISTRY_ERROR", "REGISTRY_REJECTED", "UNAUTHORIZED", "DENIED"]);
const SYNC_REGISTRY_ROUTES = ["/v1/manifests"];

function parse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function isProblem(answer: Answer, method: string): string | undefined {
  if (!answer.contentType.toLowerCase().startsWith("application/problem+json")) return `content-type "${answer.contentType}"`;
  if (method === "HEAD") return undefined; // an answer to HEAD has no body
  const p = parse(answer.body) as Record<string, unknown> | undefined;
  if (!p || typeof p !== "object") return "body is not JSON";
  if (typeof p.type !== "string" || typeof p.title !== "string") return "no type/title";
  if (p.status !== answer.status) return `status ${String(p.status)} in the body`;
  return undefined;
}

function isGraphqlErrors(answer: Answer): boolean {
  if (!answer.contentType.toLowerCase().startsWith("application/json")) return false;
  const b = parse(answer.body) as { errors?: unknown } | undefined;
  return Array.isArray(b?.errors) && b.errors.length > 0 && b.errors.every((e) => typeof (e as { message?: unknown })?.message === "string");
}

export function judge(req: FuzzRequest, answer: Answer): Verdict {
  const path = req.path.split("?")[0]!;
  const summary = () => `${answer.status} ${answer.contentType} ${answer.body.slice(0, 300)}`;
  if (answer.status >= 500) {
    const { code, detail } = (parse(answer.body) as { code?: unknown; detail?: unknown } | undefined) ?? {};
    const problem = isProblem(answer, req.method) === undefined;
    if (problem && answer.status === 502 && typeof code === "string" && UPSTREAM_CODES.has(code) && SYNC_REGISTRY_ROUTES.includes(path)) {
      return { ok: true, upstream: `${code} "${String(detail).slice(0, 160)}"` };
    }
    return { ok: false, class: "5xx", why: summary() };
  }
  if (answer.status >= 400) {
    const notProblem = isProblem(answer, req.method);
    if (notProblem === undefined) return { ok: true };
    if (path.startsWith("/graphql") && isGraphqlErrors(answer)) return { ok: true };
    return { ok: false, class: "4xx-not-problem", why: `${notProblem}: ${summary()}` };
  }
  // GraphQL answers 200 with errors from resolvers: one without a regops code (a null for a
  // non-null field), or INTERNAL (an unexpected throw, hidden as REST hides it), is what a 500
  // is on REST.
  if (path.startsWith("/graphql") && answer.status === 200) {
    const errors = (parse(answer.body) as { errors?: { message?: string; path?: unknown; extensions?: { code?: unknown } }[] } | undefined)?.errors;
    const internal = errors?.find((e) => e.path !== undefined && (typeof e.extensions?.code !== "string" || e.extensions.code === "INTERNAL"));
    if (internal) return { ok: false, class: "graphql-internal", why: `${JSON.stringify(internal).slice(0, 300)}` };
  }
  // A JSON answer must be JSON.
  if (!answer.stream && /^application\/(problem\+)?json/i.test(answer.contentType) && answer.body !== "" && parse(answer.body) === undefined) {
    return { ok: false, class: "bad-json", why: summary() };
  }
  return { ok: true };
}
