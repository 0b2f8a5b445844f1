// What the configuration allows, read from the config alone (no files): the doors refuse a sign or
// verify job that could not run (422) before it is queued, and the workers use the same answers.
import type { Config } from "../config.js";
import type { SigningFormat } from "./formats.js";

type SigningSettings = Pick<Config, "signing" | "notary">;

/**
 * The sign job's default format: signing.default when given; else Notary v1 when a Notary server
 * is configured (existing setups keep signing as before); else the first new format that can sign.
 */
export function defaultFormat(config: SigningSettings): SigningFormat {
  const s = config.signing;
  if (s?.default) return s.default;
  if (config.notary) return "notary-v1";
  if (s?.notation?.key) return "notation";
  if (s?.cosign?.key) return "cosign";
  return "notary-v1";
}

/** Why `format` cannot sign with this configuration; undefined when it can. */
export function signerMissing(config: SigningSettings, format: SigningFormat): string | undefined {
  if (format === "notation" && !config.signing?.notation?.key) return "notation signing needs signing.notation.key and signing.notation.certificateChain";
  if (format === "cosign" && !config.signing?.cosign?.key) return "cosign signing needs signing.cosign.key";
  if (format === "notary-v1" && !config.notary) return "notary-v1 signing needs `notary` (server, trustDir, passphrases)";
  return undefined;
}

/** Whether anything can verify a signature: a Notation trust policy, cosign keys, or a Notary server. */
export function canVerify(config: SigningSettings): boolean {
  const s = config.signing;
  return Boolean(config.notary || s?.notation?.trustPolicy || Object.keys(s?.cosign?.publicKeys ?? {}).length);
}
