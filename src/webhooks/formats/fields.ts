// Reading untrusted JSON. Each accessor names the field it looked at, so a body of the wrong
// shape becomes a 400 saying which field was wrong, never a TypeError deep in a parser.
// An empty string counts as absent: senders use "" for "no tag" (GitHub, Harbor's operator).
import { WebhookFormatError } from "./error.js";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function object(value: unknown, field: string): JsonObject {
  if (!isObject(value)) throw new WebhookFormatError(field, "expected an object");
  return value;
}

export function optionalObject(value: unknown, field: string): JsonObject | undefined {
  return value === undefined || value === null ? undefined : object(value, field);
}

export function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new WebhookFormatError(field, "expected an array");
  return value;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new WebhookFormatError(field, "expected a string");
  return value;
}

export function string(value: unknown, field: string): string {
  const text = optionalString(value, field);
  if (text === undefined) throw new WebhookFormatError(field, "is required");
  return text;
}
