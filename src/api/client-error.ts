// Requests Node's HTTP parser refuses before Fastify sees them (headers over 16 KiB, bytes that
// are not HTTP, a stalled request) are answered here, as problem+json like every other refusal:
// Fastify's own handler writes a bare JSON object, which no client of regops expects.
import type { Socket } from "node:net";
import { RegopsError } from "../errors.js";
import { PROBLEM_CONTENT_TYPE, problemFrom } from "./problem.js";

function errorFor(code: string | undefined): RegopsError {
  if (code === "HPE_HEADER_OVERFLOW") return new RegopsError("HEADERS_TOO_LARGE", "the request line and headers are larger than the server reads");
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return new RegopsError("REQUEST_TIMEOUT", "the request was not received in time");
  // The parser's message is safe to repeat (it names what it could not read, never a value).
  return new RegopsError("BAD_REQUEST", `not a valid HTTP request${code ? ` (${code})` : ""}`);
}

/** Fastify's `clientErrorHandler`: one problem, then the connection is closed. */
export function problemClientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const error = errorFor(err.code);
  const body = JSON.stringify(problemFrom(error));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${error.status} ${problemFrom(error).title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
