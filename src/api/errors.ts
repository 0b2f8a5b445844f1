// The one error handler: every error leaves as problem+json. RegopsErrors keep their code and
// message; Fastify's own 4xx (bad JSON, body too large, validation) are named by field; any
// other throw is a 500 whose message is hidden from the caller and logged instead.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { RegopsError, badRequest, type FieldError } from "../errors.js";
import { isTransientRedisError } from "../redis/transient.js";
import { httpError, PROBLEM_CONTENT_TYPE, problemFrom } from "./problem.js";

function validationFields(err: FastifyError & { validation: { instancePath?: string; message?: string }[] }): FieldError[] {
  const where = err.validationContext ?? "body";
  return err.validation.map((v) => {
    const path = (v.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".");
    // Body fields are named plainly (`image`); query/params/headers keep their context.
    const field = where === "body" ? path || "body" : path ? `${where === "querystring" ? "query" : where}.${path}` : where;
    return { field, message: v.message ?? "invalid" };
  });
}

export function toRegopsError(err: unknown): RegopsError | undefined {
  if (err instanceof RegopsError) return err;
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(err)) return badRequest(validationFields(err as never));
  if (fe?.validation) return badRequest(validationFields(fe as never));
  const status = fe?.statusCode;
  if (status && status >= 400 && status < 500) {
    const field = fe.code?.startsWith("FST_ERR_CTP") ? [{ field: "body", message: fe.message }] : [];
    return httpError(status, fe.message, field);
  }
  if (isTransientRedisError(err)) {
    return new RegopsError("SERVICE_UNAVAILABLE", "Redis is failing over: the request did not complete; retry", { retryAfter: 1, cause: err });
  }
  return undefined;
}

export function sendProblem(reply: FastifyReply, err: RegopsError, request: FastifyRequest): FastifyReply {
  if (err.retryAfter !== undefined) reply.header("retry-after", String(err.retryAfter));
  if (err.code === "UNAUTHENTICATED") reply.header("www-authenticate", 'Bearer realm="regops"');
  return reply.code(err.status).type(PROBLEM_CONTENT_TYPE).send(problemFrom(err, request.url.split("?")[0]));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const known = toRegopsError(error);
    if (known) {
      if (known.status >= 500) request.log.warn({ code: known.code, msg: known.message }, "request failed");
      return sendProblem(reply, known, request);
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(reply, new RegopsError("INTERNAL", "internal error"), request);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, new RegopsError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`, { hint: "see /docs for the API" }), request),
  );
}
