// The Notary client exists only when the config names a server; the sign and verify jobs (and a
// refresh with requireSignature) need one and say so when it is missing.
import { RegopsError } from "../../errors.js";
import type { Notary } from "./notary.js";

export function configuredNotary(notary: Notary | undefined): Notary {
  if (!notary) throw new RegopsError("NOTARY_NOT_CONFIGURED", "no Notary server is configured");
  return notary;
}
