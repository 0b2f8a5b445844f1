// Where registry credentials come from. A registry's config names one source; the source is
// asked each time credentials are needed, so a `docker login`, a rotated helper secret or an
// expiring ECR token is picked up without a restart. Sources cache as suits their origin.

export interface RegistryCredentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (docker config.json `identitytoken`, or a credential helper answering Username "<token>"): exchanged at the token realm instead of basic auth. */
  identityToken?: string;
}

export interface CredentialSource {
  /** What kind, for display only: "basic" | "dockerConfig" | "ecr". */
  readonly type: string;
  /** The credentials to use now. May run a helper program or call AWS; caches as appropriate. undefined = anonymous. */
  get(signal?: AbortSignal): Promise<RegistryCredentials | undefined>;
}

/**
 * A source could not produce credentials (missing file, failing helper, AWS refused the keys).
 * The message names the source and what failed, never a secret: callers may log and store it.
 * `retryable` is true when trying again later may help (a helper timed out, AWS throttled).
 * There is deliberately no `cause`: an SDK error or a helper's output may carry the secret.
 */
export class CredentialsError extends Error {
  readonly retryable: boolean;

  constructor(message: string, opts: { retryable?: boolean } = {}) {
    super(message);
    this.name = "CredentialsError";
    this.retryable = opts.retryable ?? false;
  }
}
