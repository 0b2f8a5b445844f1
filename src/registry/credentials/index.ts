// Picks a registry's credential source from its `auth` config: written-in username/password,
// a docker config.json, or Amazon ECR access keys.
import { registryDomain } from "../lookup.js";
import type { CredentialHelpers } from "./cred-helper.js";
import { dockerConfigCredentials } from "./docker-config.js";
import { ecrCredentials, type EcrOptions } from "./ecr.js";
import type { CredentialSource } from "./source.js";
import { staticCredentials } from "./static.js";

export { CredentialsError, type CredentialSource, type RegistryCredentials } from "./source.js";
export { registryAuthSchema, type AuthConfig } from "./schema.js";
import type { AuthConfig } from "./schema.js";


export interface CredentialSourceOptions {
  /** Shared runner for credential helpers, so their answers are cached across registries. */
  helpers?: CredentialHelpers;
  /** Test seams for ECR: a fake GetAuthorizationToken and clock. */
  ecr?: EcrOptions;
}

/** The source for one registry. Throws CredentialsError when the config cannot work (an ECR host without a region). */
export function credentialSourceFor(auth: AuthConfig, registryUrl: string, opts: CredentialSourceOptions = {}): CredentialSource {
  if ("username" in auth) return staticCredentials(auth.username, auth.password);
  // Docker keys Hub as one name whichever of its hosts the URL uses; registryDomain folds them to docker.io.
  if ("dockerConfig" in auth) return dockerConfigCredentials(auth.dockerConfig, registryDomain(registryUrl), { helpers: opts.helpers });
  return ecrCredentials(new URL(registryUrl).host, auth.ecr, opts.ecr);
}
