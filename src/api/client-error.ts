// Requests refused before any route sees them are answered as problem+json like every other
// refusal; Fastify's own answers are bare JSON objects, which no client of regops expects:
// - what Node's HTTP parser refuses (headers over 16 KiB, bytes that are not HTTP, a stall):
//   Fastify's `clientErrorHandler`, written on the socket;
// - what the router refuses (a path that is not valid percent-encoding, a path parameter over
//   `maxParamLength`): Fastify's `frameworkErrors`, sent with a reply.
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { RegopsError } from "../errors.js";
import { sendProblem } from "./errors.js";
import { PROBLEM_CONTENT_TYPE, problemFrom } from "./problem.js";

function parserError(code: string | undefined): RegopsError {
  if (code === "HPE_HEADER_OVERFLOW") return new RegopsError("HEADERS_TOO_LARGE", "the request line and headers are larger than the server reads");
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return new RegopsError("REQUEST_TIMEOUT", "the request was not received in time");
  // The parser's code is safe to repeat (it names what it could not read, never a value).
  return new RegopsError("BAD_REQUEST", `not a valid HTTP request${code ? ` (${code})` : ""}`);
}

/** Fastify's `clientErrorHandler`: one problem, then the connection is closed. */
export function problemClientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const problem = problemFrom(parserError(err.code));
  const body = JSON.stringify(problem);
  // As Node does: never write after an answer already under way on this connection (a refused
  // request whose unread body then fails to parse would get a second answer the client cannot read).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** Fastify's `frameworkErrors`: the router's refusals. */
export function problemFrameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let problem: RegopsError;
  if (error.code === "FST_ERR_MAX_PARAM_LENGTH") problem = new RegopsError("URI_TOO_LONG", "a path segment is longer than the 100 characters an id may have");
  else if (error.code === "FST_ERR_BAD_URL") problem = new RegopsError("BAD_REQUEST", "the path is not valid percent-encoding", { fields: [{ field: "path", message: "is not valid percent-encoding" }] });
  else {
    request.log.error({ err: error }, "router failed");
    problem = new RegopsError("INTERNAL", "internal error");
  }
  void sendProblem(reply, problem, request);
}
