// What the doors refuse before queueing (422 naming the field): a sign job (or a `then` sign step)
// in a format the configuration cannot sign with, a verify or requireSignature with nothing to
// verify against, and a Notary v1 check of an image without a tag. Without a `signing` section
// the words are those of Notary v1, as before.
import { RegopsError } from "../errors.js";
import type { JobSpec } from "../jobs/specs/index.js";
import { parseReference } from "../registry/reference.js";
import { canVerify, defaultFormat, signerMissing } from "./configured.js";
import type { Config } from "../config.js";
import type { SigningFormat } from "./formats.js";

type Settings = Partial<Pick<Config, "signing">> & { notary?: unknown };

function refuse(format: SigningFormat, field: string, why: string): RegopsError {
  if (format === "notary-v1") {
    const what = field === "type" ? "sign" : field;
    return new RegopsError("NOTARY_NOT_CONFIGURED", `${what} needs a Notary server and none is configured`, { fields: [{ field, message: "needs `notary` in the config file" }] });
  }
  return new RegopsError("SIGNING_NOT_CONFIGURED", why, { fields: [{ field, message: why }] });
}

/** `field` is named when the default format cannot sign, `formatField` when the chosen one cannot. */
function checkSigner(format: SigningFormat | undefined, field: string, formatField: string, config: Settings): void {
  const settings = { signing: config.signing, notary: config.notary as Config["notary"] };
  const chosen = format ?? defaultFormat(settings);
  const missing = signerMissing(settings, chosen);
  if (missing) throw refuse(chosen, format ? formatField : field, missing);
}

function checkVerifier(spec: JobSpec, field: string, config: Settings): void {
  const settings = { signing: config.signing, notary: config.notary as Config["notary"] };
  if (!canVerify(settings)) {
    if (!config.signing) {
      const what = field === "type" ? spec.type : field;
      throw new RegopsError("NOTARY_NOT_CONFIGURED", `${what} needs a Notary server and none is configured`, { fields: [{ field, message: "needs `notary` in the config file" }] });
    }
    const why = "needs signing.notation.trustPolicy, signing.cosign.publicKeys or `notary` in the config file";
    throw new RegopsError("SIGNING_NOT_CONFIGURED", `${field === "type" ? spec.type : field} ${why}`, { fields: [{ field, message: why }] });
  }
}

/** Notary v1 knows tags only: without `signing`, a check by digest alone cannot be made. */
function checkTagged(image: string, field: string, config: Settings): void {
  if (config.signing) return;
  const ref = parseReference(image);
  if (ref.tag === undefined) {
    throw new RegopsError("BAD_REQUEST", `${field}: Notary v1 checks a tag; give the image with its tag`, { fields: [{ field, message: "needs a tag (Notary v1)" }] });
  }
}

export function admitSigning(spec: JobSpec, config: Settings): void {
  switch (spec.type) {
    case "sign":
      checkSigner(spec.format, "type", "format", config);
      if ((spec.format ?? defaultFormat({ signing: config.signing, notary: config.notary as Config["notary"] })) === "notary-v1" && parseReference(spec.image).tag === undefined) {
        throw new RegopsError("BAD_REQUEST", "image: Notary v1 signs a tag; give the image with its tag", { fields: [{ field: "image", message: "needs a tag (notary-v1)" }] });
      }
      return;
    case "verify":
      checkVerifier(spec, "type", config);
      checkTagged(spec.image, "image", config);
      return;
    case "refresh":
      if (spec.requireSignature) checkVerifier(spec, "requireSignature", config);
      return;
    case "retag":
    case "scan":
      spec.then?.forEach((step, i) => checkSigner(step.format, "then", `then.${i}.format`, config));
      return;
    default:
      return;
  }
}
