// Amazon ECR: access keys buy a registry password from GetAuthorizationToken that lasts 12 h.
// The password is kept and bought again at three quarters of its life, one call shared by
// everyone asking at that moment. If that call fails while the old password is still good,
// the old one is used and the call retried a minute later: an AWS hiccup does not fail jobs.
import { SingleFlight } from "./single-flight.js";
import { CredentialsError, type CredentialSource, type RegistryCredentials } from "./source.js";

export interface EcrKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Default: the region in the registry host, <account>.dkr.ecr.<region>.amazonaws.com. */
  region?: string;
}

/** What GetAuthorizationToken answers: base64 "AWS:<password>" and when it stops working. */
export interface EcrAuthorizationToken {
  authorizationToken: string;
  expiresAt: Date | undefined;
}

export type GetAuthorizationToken = (signal: AbortSignal) => Promise<EcrAuthorizationToken>;

export interface EcrOptions {
  /** Replaces the AWS SDK call; tests pass a fake. Default: `GetAuthorizationToken` with the keys. */
  getAuthorizationToken?: GetAuthorizationToken;
  now?: () => number;
}

// Private (incl. FIPS) ECR hosts, in the commercial and China partitions.
const ECR_HOST = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
// Used only if AWS leaves expiresAt out: short, so a wrong guess costs a call, not a failed job.
const ASSUMED_LIFETIME_MS = 60 * 60_000;
// A password is handed out only while it has this much life left, enough for a request to use it.
const SAFETY_MS = 5 * 60_000;
const RETRY_AFTER_FAILURE_MS = 60_000;

/** The region in `<account>.dkr.ecr.<region>.amazonaws.com[:port]`, or undefined for another host. */
export function ecrRegion(registryHost: string): string | undefined {
  return ECR_HOST.exec(registryHost.replace(/:\d+$/, "").toLowerCase())?.[1];
}

interface Held {
  creds: RegistryCredentials;
  refreshAt: number;
  usableUntil: number;
}

export function ecrCredentials(registryHost: string, keys: EcrKeys, opts: EcrOptions = {}): CredentialSource {
  const region = keys.region ?? ecrRegion(registryHost);
  if (!region) {
    throw new CredentialsError(`${registryHost} is not an ECR host (<account>.dkr.ecr.<region>.amazonaws.com); set the ECR region`);
  }
  const call = opts.getAuthorizationToken ?? sdkGetAuthorizationToken(region, keys);
  const now = opts.now ?? Date.now;
  const secrets = [keys.secretAccessKey, keys.sessionToken].filter((s): s is string => !!s);
  const flight = new SingleFlight<Held>();
  let held: Held | undefined;
  let retryAt = 0;

  const fetch = async (signal: AbortSignal): Promise<Held> => {
    const startedAt = now();
    let answer: EcrAuthorizationToken;
    try {
      answer = await call(signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw sdkError(err, registryHost, secrets);
    }
    const creds = decodeToken(answer.authorizationToken, registryHost);
    const expiresAt = answer.expiresAt?.getTime() ?? startedAt + ASSUMED_LIFETIME_MS;
    const lifetime = expiresAt - startedAt;
    held = { creds, refreshAt: startedAt + lifetime * 0.75, usableUntil: expiresAt - Math.min(SAFETY_MS, lifetime / 4) };
    return held;
  };

  return {
    type: "ecr",
    async get(signal) {
      const t = now();
      if (held && t < held.refreshAt) return { ...held.creds };
      if (held && t < held.usableUntil && t < retryAt) return { ...held.creds };
      try {
        return { ...(await flight.run(fetch, signal)).creds };
      } catch (err) {
        const old = held;
        if (signal?.aborted || !old || now() >= old.usableUntil) throw err;
        retryAt = now() + RETRY_AFTER_FAILURE_MS;
        return { ...old.creds };
      }
    },
  };
}

function decodeToken(token: string, registryHost: string): RegistryCredentials {
  const decoded = Buffer.from(token, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new CredentialsError(`ECR GetAuthorizationToken for ${registryHost} answered a token that is not base64 "AWS:<password>"`);
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The AWS SDK's error as a CredentialsError: its name, status and message, with the keys blanked. */
function sdkError(err: unknown, registryHost: string, secrets: string[]): CredentialsError {
  if (err instanceof CredentialsError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  let message = String(e.message ?? err).slice(0, 300);
  for (const s of secrets) message = message.split(s).join("***");
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "";
  // Bad keys and denied access are the client's fault and stay so; throttling, 5xx and network errors pass.
  const retryable = e.$fault !== "client" || /Throttl/i.test(e.name ?? "");
  return new CredentialsError(`ECR GetAuthorizationToken for ${registryHost} failed: ${e.name ?? "Error"}${status}: ${message}`, { retryable });
}

// The SDK is loaded on first use: deployments without ECR registries never pay for it.
function sdkGetAuthorizationToken(region: string, keys: EcrKeys): GetAuthorizationToken {
  let client: Promise<{ send: (signal: AbortSignal) => Promise<EcrAuthorizationToken> }> | undefined;
  const load = async () => {
    const { ECRClient, GetAuthorizationTokenCommand } = await import("@aws-sdk/client-ecr");
    // Explicit keys: the SDK's default chain (env, ~/.aws, instance roles) must not pick others.
    const ecr = new ECRClient({
      region,
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, sessionToken: keys.sessionToken },
    });
    return {
      send: async (signal: AbortSignal) => {
        const out = await ecr.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal });
        const data = out.authorizationData?.[0];
        if (!data?.authorizationToken) throw new CredentialsError(`ECR GetAuthorizationToken answered no token`);
        return { authorizationToken: data.authorizationToken, expiresAt: data.expiresAt };
      },
    };
  };
  return async (signal) => {
    client ??= load();
    return (await client).send(signal);
  };
}
