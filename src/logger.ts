// The one pino logger. Secrets never reach a log line: request headers that carry credentials
// are redacted, and any object logged with a password/token/key field has it censored.
import { pino, type DestinationStream, type Logger } from "pino";

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-registry-auth"]',
  "headers.authorization",
  "*.password",
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
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: "regops",
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

export type { Logger };
