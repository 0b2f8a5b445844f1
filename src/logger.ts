// The one pino logger. Secrets never reach a log line: request headers that carry credentials
// are redacted, and any object logged with a password/token/key field has it censored.
import { pino, type DestinationStream, type Logger } from "pino";

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-registry-auth"]',
  "headers.authorization",
  "*.password",
  "*.sentinelPassword",
  "*.token",
  "*.access_token",
  "*.passphrase",
  "*.secret",
  "*.key",
  "*.apiKey",
  "*.auth",
  "*.authconfig",
  "*.identityToken",
  "*.identitytoken",
  "*.secretAccessKey",
  "*.sessionToken",
  "*.proxy",
  "*.sealedAuth",
  "*.authorization",
];

// Query parameters that carry secrets: webhooks from senders that can only be given a URL
// (Docker Hub, Quay) authenticate with ?secret=.
const SECRET_QUERY = /([?&](?:secret|token|key|password)=)[^&]*/gi;

/** A request URL as it may be logged. */
export function scrubUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_QUERY, "$1[redacted]");
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: "regops",
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: {
        // Fastify's request serializer, with secrets cut out of the query string.
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: scrubUrl(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
    destination,
  );
}

export type { Logger };
