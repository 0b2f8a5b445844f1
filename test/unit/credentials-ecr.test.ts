import { describe, expect, it } from "vitest";
import { ecrCredentials, ecrRegion, type EcrAuthorizationToken } from "../../src/registry/credentials/ecr.js";
import { credentialSourceFor, CredentialsError } from "../../src/registry/credentials/index.js";

const HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const HOUR = 3_600_000;
const KEYS = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: "FwoGZXIvYXdzEXAMPLESESSION" };

/** A fake GetAuthorizationToken on a fake clock: each call hands out password pw-<n>, valid 12 h. */
function fakeEcr(opts: { delayMs?: number } = {}) {
  const state = {
    now: 1_700_000_000_000,
    calls: 0,
    fail: undefined as unknown,
    async call(): Promise<EcrAuthorizationToken> {
      state.calls++;
      const n = state.calls;
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (state.fail) throw state.fail;
      return { authorizationToken: Buffer.from(`AWS:pw-${n}`).toString("base64"), expiresAt: new Date(state.now + 12 * HOUR) };
    },
  };
  const source = ecrCredentials(HOST, KEYS, { getAuthorizationToken: () => state.call(), now: () => state.now });
  return { state, source };
}

describe("ECR region", () => {
  it("when the host is an ECR registry, then the region is read from it", () => {
    expect(ecrRegion(HOST)).toBe("eu-west-1");
    expect(ecrRegion("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com:443")).toBe("us-gov-west-1");
    expect(ecrRegion("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com")).toBe("us-east-1");
    expect(ecrRegion("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn")).toBe("cn-north-1");
    expect(ecrRegion("registry.example.com")).toBeUndefined();
    expect(ecrRegion("public.ecr.aws")).toBeUndefined();
  });

  it("when the host has no region and none is configured, then the source cannot be built", () => {
    expect(() => credentialSourceFor({ ecr: KEYS }, "https://registry.example.com")).toThrow(CredentialsError);
    expect(credentialSourceFor({ ecr: { ...KEYS, region: "eu-west-1" } }, "https://registry.example.com").type).toBe("ecr");
    expect(credentialSourceFor({ ecr: KEYS }, `https://${HOST}`).type).toBe("ecr");
  });
});

describe("ECR tokens", () => {
  it("when the token is decoded, then the user is AWS and the password the rest", async () => {
    const { source } = fakeEcr();
    expect(await source.get()).toEqual({ username: "AWS", password: "pw-1" });
  });

  it("when asked again within the token's life, then the token is reused", async () => {
    const { state, source } = fakeEcr();
    await source.get();
    state.now += 8 * HOUR;
    expect(await source.get()).toEqual({ username: "AWS", password: "pw-1" });
    expect(state.calls).toBe(1);
  });

  it("when three quarters of the token's life have passed, then a new one is fetched before it expires", async () => {
    const { state, source } = fakeEcr();
    await source.get();
    state.now += 9 * HOUR + 1;
    expect(await source.get()).toEqual({ username: "AWS", password: "pw-2" });
    expect(state.calls).toBe(2);
  });

  it("when many ask at once, then they share one call", async () => {
    const { state, source } = fakeEcr({ delayMs: 20 });
    const all = await Promise.all(Array.from({ length: 10 }, () => source.get()));
    expect(all).toEqual(Array.from({ length: 10 }, () => ({ username: "AWS", password: "pw-1" })));
    expect(state.calls).toBe(1);
  });

  it("when a refresh fails while the old token is still good, then the old one is used and AWS is asked again a minute later", async () => {
    const { state, source } = fakeEcr();
    await source.get();
    state.now += 10 * HOUR;
    state.fail = new Error("connect ETIMEDOUT");
    expect(await source.get()).toEqual({ username: "AWS", password: "pw-1" });
    expect(await source.get()).toEqual({ username: "AWS", password: "pw-1" });
    expect(state.calls).toBe(2);
    state.now += 61_000;
    state.fail = undefined;
    expect(await source.get()).toEqual({ username: "AWS", password: "pw-3" });
  });

  it("when the old token has expired and AWS fails, then the error surfaces", async () => {
    const { state, source } = fakeEcr();
    await source.get();
    state.now += 12 * HOUR;
    state.fail = new Error("connect ETIMEDOUT");
    await expect(source.get()).rejects.toBeInstanceOf(CredentialsError);
  });

  it("when AWS refuses the keys, then a CredentialsError says so without any secret", async () => {
    const { state, source } = fakeEcr();
    state.fail = Object.assign(
      new Error(`The security token included in the request is invalid: ${KEYS.secretAccessKey} ${KEYS.sessionToken}`),
      { name: "UnrecognizedClientException", $fault: "client", $metadata: { httpStatusCode: 403 } },
    );
    const err = await source.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    const message = (err as CredentialsError).message;
    expect(message).toContain(`ECR GetAuthorizationToken for ${HOST} failed: UnrecognizedClientException (HTTP 403)`);
    expect(message).not.toContain(KEYS.secretAccessKey);
    expect(message).not.toContain(KEYS.sessionToken);
    expect((err as CredentialsError).retryable).toBe(false);
  });

  it("when AWS throttles, then the error is retryable", async () => {
    const { state, source } = fakeEcr();
    state.fail = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $fault: "client" });
    await expect(source.get()).rejects.toMatchObject({ name: "CredentialsError", retryable: true });
  });

  it("when the token is not AWS:<password>, then it is an error", async () => {
    const source = ecrCredentials(HOST, KEYS, {
      getAuthorizationToken: async () => ({ authorizationToken: Buffer.from("nocolon").toString("base64"), expiresAt: undefined }),
    });
    await expect(source.get()).rejects.toThrow(/not base64 "AWS:<password>"/);
  });

  it("when the caller aborts, then the call is aborted and the reason surfaces", async () => {
    let seen: AbortSignal | undefined;
    const source = ecrCredentials(HOST, KEYS, {
      getAuthorizationToken: (signal) => {
        seen = signal;
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
    });
    const ac = new AbortController();
    const p = source.get(ac.signal);
    ac.abort(new Error("job cancelled"));
    await expect(p).rejects.toThrow("job cancelled");
    expect(seen?.aborted).toBe(true);
  });
});
