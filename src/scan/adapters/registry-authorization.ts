// The registry `Authorization` a scanner gets to pull the image (Harbor's scan request
// `registry.authorization`), from the credentials regops uses for that registry
// (`Remote.credentials()`). The value is a secret: pass it on, never log it.
import { basicHeader } from "../../registry/auth.js";
import type { RegistryCredentials } from "../../registry/credentials/source.js";
import { ScanAdapterError } from "./errors.js";

export function registryAuthorization(creds: RegistryCredentials | undefined): string | undefined {
  if (!creds) return undefined;
  if (creds.identityToken) {
    // An OAuth2 refresh token is not a registry credential a scanner can send: it must first be
    // exchanged at the token realm for a pull-scoped `Bearer` (registry/auth.ts fetchToken).
    throw new ScanAdapterError("unsupported", "failed to hand registry credentials to the scanner: an identity token must be exchanged for a bearer token first");
  }
  return basicHeader(creds);
}
