// How GraphQL errors leave, over HTTP and WebSocket. Mercurius' default formatter answers a
// document that does not parse or validate with `"data": null` and errors without a code (and
// with 200 when there are several). The GraphQL spec says a request error has no `data`
// entry; regops gives every error a code in `extensions`, as execution errors have.
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import mercurius from "mercurius";
import { ERROR_CODES, type ErrorCode } from "../../errors.js";
import { httpError } from "../problem.js";
import { prefersGraphqlResponse } from "./media-type.js";

type Execution = Parameters<typeof mercurius.defaultErrorFormatter>[0];
type FormatterContext = Parameters<typeof mercurius.defaultErrorFormatter>[1];
type Formatted = ReturnType<typeof mercurius.defaultErrorFormatter>;
interface Thrown extends Error {
  code?: string;
  statusCode?: number;
  errors?: unknown[];
}

/** Mercurius' code for a document that did not parse or validate (its `errors` hold the details). */
const MERCURIUS_VALIDATION = "MER_ERR_GQL_VALIDATION";

function requestErrorCode(inner: unknown, outer: Thrown, status: number): ErrorCode {
  // graphql-js' syntaxError() spells every parse failure this way
  if (inner instanceof Error && inner.message.startsWith("Syntax Error")) return "GRAPHQL_PARSE_FAILED";
  if (outer.code === MERCURIUS_VALIDATION && Array.isArray(outer.errors)) return "GRAPHQL_VALIDATION_FAILED";
  // a mutation sent with GET
  if (status === 405) return "METHOD_NOT_ALLOWED";
  return httpError(status, outer.message).code;
}

function withCode(error: unknown, code: ErrorCode): GraphQLFormattedError {
  // not `instanceof`: Mercurius' errors come from graphql's CommonJS build, this module loads the ESM one
  const json: GraphQLFormattedError = typeof (error as GraphQLError).toJSON === "function" ? (error as GraphQLError).toJSON() : { message: (error as Error).message };
  return { ...json, extensions: { ...json.extensions, code, hint: ERROR_CODES[code].hint } };
}

/**
 * Errors thrown before execution (parse, validation, variables, a bad request body): 400 (or
 * the thrown status), each error with its code, and no `data` entry.
 */
function formatRequestErrors(errors: readonly Error[]): Formatted {
  let statusCode = 400;
  const out = errors.flatMap((error) => {
    const outer = ((error as GraphQLError).originalError ?? error) as Thrown;
    const status = outer.statusCode && outer.statusCode >= 400 ? outer.statusCode : 400;
    statusCode = status;
    const inner = Array.isArray(outer.errors) ? outer.errors : [error];
    return inner.map((e) => withCode(e, requestErrorCode(e, outer, status)));
  });
  return { statusCode, response: { errors: out } };
}

/** Logs what graphqlError hid (an INTERNAL error's cause): the caller saw only "internal error". */
function logHidden(errors: readonly Error[], context: FormatterContext): void {
  // as Mercurius picks it: the request's logger, or over a WebSocket (no reply) the app's
  const log = (context as Partial<FormatterContext>).reply?.log ?? (context as Partial<FormatterContext>).app?.log;
  for (const error of errors) {
    const original = ((error as GraphQLError).originalError ?? error) as Thrown & { extensions?: { code?: unknown }; cause?: unknown };
    if (original.extensions?.code === "INTERNAL" && original.cause !== undefined) log?.error({ err: original.cause }, "unhandled error");
  }
}

/** Mercurius' `errorFormatter`: request errors as above; execution results as Mercurius forms them. */
export function formatGraphqlErrors(execution: Execution, context: FormatterContext): Formatted {
  logHidden(execution.errors ?? [], context);
  // graphql-js always sets `data` (maybe null) once it has executed; a request error has none.
  if ((execution as { data?: unknown }).data === undefined) return formatRequestErrors(execution.errors);
  const formatted = mercurius.defaultErrorFormatter(execution, context);
  // application/graphql-response+json: every executed operation is 200, errors or not.
  const request = (context as { reply?: { request?: { headers: Record<string, string | string[] | undefined> } } }).reply?.request;
  return request && prefersGraphqlResponse(request.headers.accept) ? { ...formatted, statusCode: 200 } : formatted;
}
