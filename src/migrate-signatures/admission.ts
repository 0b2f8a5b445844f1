// What a migrate-signatures job needs from the configuration: a Notary server to read the DCT
// signatures from, and a signer for the new format. The door refuses it (422) without them, and
// the worker asks the same question before it starts.
import type { Config } from "../config.js";
import { RegopsError } from "../errors.js";
import type { MigrateSignaturesSpec } from "../jobs/specs/index.js";
import { defaultFormat, signerMissing } from "../sign/configured.js";
import type { NewFormat } from "./already-signed.js";

type Settings = Pick<Config, "signing" | "notary">;

/** The format to sign in: the spec's, else signing.default when it is a new one, else notation. */
export function migrationFormat(spec: Pick<MigrateSignaturesSpec, "format">, config: Settings): NewFormat {
  if (spec.format) return spec.format;
  const configured = defaultFormat(config);
  return configured === "notary-v1" ? "notation" : configured;
}

/** Why this configuration cannot run the migration, as the error to raise; undefined when it can. */
export function migrationRefusal(spec: Pick<MigrateSignaturesSpec, "format">, config: Settings): RegopsError | undefined {
  if (!config.notary) {
    return new RegopsError("NOTARY_NOT_CONFIGURED", "migrate-signatures reads Docker Content Trust signatures and no Notary server is configured", {
      fields: [{ field: "type", message: "needs `notary` in the config file" }],
    });
  }
  const format = migrationFormat(spec, config);
  const missing = signerMissing(config, format);
  if (!missing) return undefined;
  return new RegopsError("SIGNING_NOT_CONFIGURED", `migrate-signatures to ${format}: ${missing}`, {
    fields: [{ field: spec.format ? "format" : "type", message: missing }],
  });
}
