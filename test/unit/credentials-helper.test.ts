import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CredentialHelpers, runCredentialHelper } from "../../src/registry/credentials/cred-helper.js";
import { CredentialsError } from "../../src/registry/credentials/source.js";

// A real helper program speaking the docker-credential-helpers protocol; what it answers
// depends on the server URL it reads on stdin. Every call is logged, to count spawns.
const HELPER = `#!/bin/sh
[ "$1" = get ] || { echo "unexpected action $1"; exit 1; }
read -r url
echo "$url" >> "$(dirname "$0")/calls.log"
case "$url" in
  found.*) printf '{"ServerURL":"%s","Username":"alice","Secret":"pw-alice"}\\n' "$url" ;;
  token.*) printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-123"}\\n' "$url" ;;
  missing.*) echo "credentials not found in native keychain"; exit 1 ;;
  garbage.*) echo "s3cret-not-json" ;;
  nosecret.*) echo '{"ServerURL":"x","Username":"alice"}' ;;
  broken.*) echo "error getting credentials - keychain is locked" >&2; exit 2 ;;
  slowish.*) sleep 0.3; printf '{"ServerURL":"%s","Username":"slow","Secret":"pw"}\\n' "$url" ;;
  slow.*) exec sleep 5 ;;
esac
`;

let dir: string;
let path: string;

async function calls(url: string): Promise<number> {
  const log = await readFile(join(dir, "calls.log"), "utf8").catch(() => "");
  return log.split("\n").filter((l) => l === url).length;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "regops-credhelper-"));
  await writeFile(join(dir, "docker-credential-regopstest"), HELPER);
  await chmod(join(dir, "docker-credential-regopstest"), 0o755);
  path = `${dir}${delimiter}${process.env.PATH ?? ""}`;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("running a credential helper", () => {
  it("when the helper holds credentials, then they are returned", async () => {
    expect(await runCredentialHelper("regopstest", "found.example.com", { path })).toEqual({ username: "alice", password: "pw-alice" });
  });

  it("when the helper answers Username <token>, then the secret is an identity token", async () => {
    expect(await runCredentialHelper("regopstest", "token.example.com", { path })).toEqual({
      username: "",
      password: "",
      identityToken: "refresh-123",
    });
  });

  it("when the helper holds nothing for the server, then it is anonymous", async () => {
    expect(await runCredentialHelper("regopstest", "missing.example.com", { path })).toBeUndefined();
  });

  it("when the helper prints something that is not JSON, then the error does not repeat it", async () => {
    const err = await runCredentialHelper("regopstest", "garbage.example.com", { path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).toBe("credential helper docker-credential-regopstest answered with output that is not JSON");
  });

  it("when the JSON lacks a Secret, then it is an error", async () => {
    await expect(runCredentialHelper("regopstest", "nosecret.example.com", { path })).rejects.toThrow(/without a string Username and Secret/);
  });

  it("when the helper fails, then its exit code and message are reported as retryable", async () => {
    const err = await runCredentialHelper("regopstest", "broken.example.com", { path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as CredentialsError).message).toBe(
      "credential helper docker-credential-regopstest exited with code 2: error getting credentials - keychain is locked",
    );
    expect((err as CredentialsError).retryable).toBe(true);
  });

  it("when the helper hangs, then it is killed at the timeout", async () => {
    const started = Date.now();
    await expect(runCredentialHelper("regopstest", "slow.example.com", { path, timeoutMs: 200 })).rejects.toThrow(
      "credential helper docker-credential-regopstest did not answer within 200 ms",
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("when the caller aborts, then the helper is stopped and the abort reason surfaces", async () => {
    const reason = new Error("job cancelled");
    const started = Date.now();
    const p = runCredentialHelper("regopstest", "slow.example.com/abort", { path, signal: AbortSignal.timeout(100) });
    await expect(p).rejects.toMatchObject({ name: "TimeoutError" });
    const ac = new AbortController();
    ac.abort(reason);
    await expect(runCredentialHelper("regopstest", "slow.example.com/abort", { path, signal: ac.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("when the helper is not installed, then the error says so", async () => {
    await expect(runCredentialHelper("regopsabsent", "found.example.com", { path })).rejects.toThrow(
      "credential helper docker-credential-regopsabsent is not installed (not found on PATH)",
    );
  });

  it("when the helper name could escape the program name, then nothing is run", async () => {
    for (const name of ["../../bin/sh", "a b", "x;rm -rf /", ""]) {
      await expect(runCredentialHelper(name, "found.example.com", { path })).rejects.toBeInstanceOf(CredentialsError);
    }
  });
});

describe("cached credential helpers", () => {
  it("when asked again within the cache time, then the helper is not run again", async () => {
    let now = 1_000_000;
    const helpers = new CredentialHelpers({ path, cacheMs: 60_000, now: () => now });
    const url = "found.example.com/cache";
    expect(await helpers.get("regopstest", url)).toEqual({ username: "alice", password: "pw-alice" });
    now += 59_000;
    expect(await helpers.get("regopstest", url)).toEqual({ username: "alice", password: "pw-alice" });
    expect(await calls(url)).toBe(1);
    now += 2_000;
    await helpers.get("regopstest", url);
    expect(await calls(url)).toBe(2);
  });

  it("when the helper holds nothing, then that answer is cached too", async () => {
    const helpers = new CredentialHelpers({ path });
    const url = "missing.example.com/cache";
    expect(await helpers.get("regopstest", url)).toBeUndefined();
    expect(await helpers.get("regopstest", url)).toBeUndefined();
    expect(await calls(url)).toBe(1);
  });

  it("when many ask at once, then one helper runs, and one caller giving up does not fail the others", async () => {
    const helpers = new CredentialHelpers({ path });
    const url = "slowish.example.com/burst";
    const ac = new AbortController();
    const quitter = helpers.get("regopstest", url, ac.signal);
    const others = Promise.all(Array.from({ length: 5 }, () => helpers.get("regopstest", url)));
    ac.abort(new Error("gave up"));
    await expect(quitter).rejects.toThrow("gave up");
    expect(await others).toEqual(Array.from({ length: 5 }, () => ({ username: "slow", password: "pw" })));
    expect(await calls(url)).toBe(1);
  });

  it("when a helper fails, then the failure is not cached", async () => {
    const helpers = new CredentialHelpers({ path });
    const url = "broken.example.com/cache";
    await expect(helpers.get("regopstest", url)).rejects.toBeInstanceOf(CredentialsError);
    await expect(helpers.get("regopstest", url)).rejects.toBeInstanceOf(CredentialsError);
    expect(await calls(url)).toBe(2);
  });
});
