// Times in the protected header are RFC 3339 date-times (`2023-06-27T13:30:33+08:00`); anything
// Date.parse would also take (`Tue, 27 Jun`, bare dates) is refused.
import { fail } from "./failure.js";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

export function parseRfc3339(value: unknown, field: string): Date {
  if (typeof value !== "string" || !RFC3339.test(value)) fail("invalid-envelope", `${field} is not an RFC 3339 date-time`);
  const ms = Date.parse(value as string);
  if (Number.isNaN(ms)) fail("invalid-envelope", `${field} is not a valid date-time`);
  return new Date(ms);
}

/** RFC 3339 in UTC without fractional seconds (the specification says they SHOULD NOT be used). */
export function formatRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
