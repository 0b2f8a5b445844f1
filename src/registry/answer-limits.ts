// How much of a registry's answer regops reads. A registry is a peer, not a friend: a token
// response, an error body, a manifest or a tag list of gigabytes, or tag pages that never end,
// must end in a clear error instead of filling the process's memory. Set per registry under
// `limits` (config file or /v1/registries); the defaults fit every registry we know of.
import { z } from "zod";
import type { Dispatcher } from "undici";
import { RegopsError } from "../errors.js";

const MiB = 1024 * 1024;

export const ANSWER_LIMIT_DEFAULTS = {
  /** Most registries refuse manifests over 4 MiB (distribution, Harbor, Docker Hub). */
  manifestBytes: 4 * MiB,
  tokenBytes: 256 * 1024,
  /** Error bodies are only read for their first error code and message: the rest is cut. */
  errorBodyBytes: 64 * 1024,
  /** All pages of one tag listing together. */
  tagListBytes: 16 * MiB,
  tagListPages: 100,
  /** Redirects one blob download may follow. */
  redirects: 5,
} as const;

export type AnswerLimits = { -readonly [K in keyof typeof ANSWER_LIMIT_DEFAULTS]: number };

const bytes = (max: number, what: string, def: number) =>
  z.number().int().min(1024).max(max).optional().meta({ description: `${what} (default ${def})` });

/** The fields added to a registry's `limits`. */
export const answerLimitFields = {
  manifestBytes: bytes(64 * MiB, "Largest manifest read from this registry, in bytes", ANSWER_LIMIT_DEFAULTS.manifestBytes),
  tokenBytes: bytes(16 * MiB, "Largest token-service answer read, in bytes", ANSWER_LIMIT_DEFAULTS.tokenBytes),
  errorBodyBytes: bytes(16 * MiB, "Bytes of an error answer read for its message; the rest is discarded", ANSWER_LIMIT_DEFAULTS.errorBodyBytes),
  tagListBytes: bytes(1024 * MiB, "Largest tag listing (all pages together), in bytes", ANSWER_LIMIT_DEFAULTS.tagListBytes),
  tagListPages: z.number().int().min(1).max(100_000).optional().meta({ description: `Most pages of one tag listing (default ${ANSWER_LIMIT_DEFAULTS.tagListPages})` }),
  redirects: z.number().int().min(0).max(20).optional().meta({ description: `Most redirects one blob download follows (default ${ANSWER_LIMIT_DEFAULTS.redirects})` }),
};

/** A registry's limits with the defaults filled in. */
export function answerLimits(limits: Partial<AnswerLimits> | undefined): AnswerLimits {
  const out = { ...ANSWER_LIMIT_DEFAULTS } as AnswerLimits;
  for (const key of Object.keys(out) as (keyof AnswerLimits)[]) {
    const v = limits?.[key];
    if (typeof v === "number") out[key] = v;
  }
  return out;
}

export function answerTooLarge(what: string, limit: number, key: keyof AnswerLimits): RegopsError {
  return new RegopsError("REGISTRY_ANSWER_TOO_LARGE", `${what} is larger than ${limit} bytes (limits.${key})`);
}

type Body = Dispatcher.ResponseData["body"];

/**
 * Reads a body of at most `max` bytes; `tooLarge()` is thrown (and the connection dropped) as
 * soon as the announced length or the bytes received pass it, so memory stays within `max`.
 */
export async function readBounded(body: Body, headers: Dispatcher.ResponseData["headers"], max: number, tooLarge: () => Error): Promise<Buffer> {
  const announced = Number(headers["content-length"]);
  if (Number.isFinite(announced) && announced > max) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** The first `max` bytes of a body, as text; the rest is not read (the connection is dropped). */
export async function readPrefix(body: Body, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const c = chunk as Buffer;
      chunks.push(size + c.length > max ? c.subarray(0, max - size) : c);
      size = Math.min(max, size + c.length);
      if (size >= max) {
        body.destroy();
        break;
      }
    }
  } catch {
    // a body that fails half way still says what it said so far
  }
  return Buffer.concat(chunks).toString("utf8");
}
