// Registry rate limits as regops sees them: the budget a registry announces in its headers
// (Docker Hub: `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 76;w=21600`, the IETF
// RateLimit header draft's form) and the time-outs it imposes with 429 + Retry-After.

export interface RateLimitState {
  limit?: number;
  remaining?: number;
  /** The window the budget covers, in seconds (`w=`). */
  windowSeconds?: number;
  observedAt?: string;
  /** Until when the registry asked to be left alone (429 / 503 with Retry-After). */
  limitedUntil?: string;
  /** How many times this process was told to back off. */
  limitedCount?: number;
}

/** `76;w=21600` → {value: 76, window: 21600}; anything unreadable → undefined. */
export function parseRateLimitHeader(value: string | undefined): { value: number; window?: number } | undefined {
  if (!value) return undefined;
  const [first, ...params] = value.split(";").map((p) => p.trim());
  const n = Number(first);
  if (!first || !Number.isFinite(n) || n < 0) return undefined;
  const w = params.find((p) => p.startsWith("w="));
  const window = w ? Number(w.slice(2)) : undefined;
  return { value: n, window: window !== undefined && Number.isFinite(window) ? window : undefined };
}
