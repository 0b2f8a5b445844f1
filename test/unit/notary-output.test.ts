// Reading notary's output: failures classified from real notary 0.7.0 output (Debian), errors
// with hints that name the passphrase by its config name and never carry its value, and the
// tables of `list`, `delegation list` and `key list`.
import { describe, expect, it } from "vitest";
import type { RegopsError } from "../../src/errors.js";
import { scrub } from "../../src/sign/notary-v1/cli.js";
import { classify, toRegopsError } from "../../src/sign/notary-v1/failure.js";
import { Notary } from "../../src/sign/notary-v1/notary.js";
import { parseDelegations, parseKeys, parseTargets } from "../../src/sign/notary-v1/parse.js";
import { fakeRedis, fakeRunner, testConfig } from "../helpers/notary.js";

const GUN = "localhost:5000/a/b";
const KEYID = "a942f652f86e22ca06c3523b30afe4971da492d3e62538545debc330067143c6";
const fail = (stdout: string, stderr = "") => ({ code: 1, stdout, stderr });
const logrus = (msg: string) => `time="2026-11-27T21:54:36Z" level=error msg="${msg.replace(/"/g, '\\"')}"\n`;

describe("classify (real notary 0.7.0 output)", () => {
  it.each([
    ["no-trust-data", fail(`* fatal: 127.0.0.1:4463 does not have trust data for ${GUN}\n`)],
    ["unsigned", fail("\n* fatal: No valid trust data for nope\n")],
    ["rejected", fail("Auto-publishing changes to x\n\n* fatal: trust server rejected operation.\n")],
    ["unreachable", fail("\n* fatal: client is offline\n", logrus('could not reach https://127.0.0.1:4999: Get "https://127.0.0.1:4999/v2/": dial tcp 127.0.0.1:4999: connect: connection refused'))],
    ["unreachable", fail("\n* fatal: client is offline\n", logrus('could not reach https://127.0.0.1:4463: Get "https://127.0.0.1:4463/v2/": x509: certificate signed by unknown authority'))],
    ["unreachable", fail("* fatal: unable to reach trust server at this time: 500.\n")],
    // offline, the passphrase prompt for a new local snapshot key fails first: the cause is the network
    ["unreachable", fail("\n* fatal: maximum number of passphrase attempts exceeded\n", logrus("could not reach https://127.0.0.1:4999: connection refused"))],
    ["passphrase", fail("Root key found, using: b55c\n\n* fatal: password invalid, operation has failed.\n")],
    ["passphrase", fail("Root key found, using: b55c\n\n* fatal: maximum number of passphrase attempts exceeded\n")],
    ["keys", fail(`Auto-publishing changes to ${GUN}\n\n* fatal: could not find necessary signing keys, at least one of these keys must be available: ${KEYID}\n`)],
    ["root-mismatch", fail("* fatal: could not rotate trust to a new trusted root: …\n")],
    ["failed", fail("* fatal: something else\n")],
  ] as const)("when notary says %s, then it is classified so", (kind, result) => {
    expect(classify(result).kind).toBe(kind);
  });

  it("when notary is not installed or runs too long, then that is what the failure says", () => {
    expect(classify({ code: null, stdout: "", stderr: "", spawnError: "ENOENT" }).kind).toBe("not-installed");
    expect(classify({ code: null, stdout: "", stderr: "", timedOut: true }).kind).toBe("unreachable");
    expect(toRegopsError(classify({ code: null, stdout: "", stderr: "", timedOut: true }), { op: "sign", gun: GUN, timeoutMs: 5000 })).toMatchObject({
      code: "NOTARY_UNREACHABLE",
      retryable: true,
      message: `notary sign for ${GUN} failed: no answer within 5000 ms`,
    });
  });

  it("when the cause is on stderr, then the message has it next to the fatal line", () => {
    const f = classify(fail("\n* fatal: client is offline\n", logrus('could not reach https://h: Get "https://h/v2/": x509: certificate signed by unknown authority')));
    expect(f.detail).toBe('client is offline (could not reach https://h: Get "https://h/v2/": x509: certificate signed by unknown authority)');
  });
});

describe("toRegopsError hints", () => {
  const passphrase = classify(fail("\n* fatal: password invalid, operation has failed.\n"));
  const keys = classify(fail(`\n* fatal: could not find necessary signing keys, at least one of these keys must be available: ${KEYID}\n`));

  it("when a key cannot be decrypted, then NOTARY_FAILED names the passphrase (by config name) for that key", () => {
    expect(toRegopsError(passphrase, { op: "init", gun: GUN, key: "root" })).toMatchObject({ code: "NOTARY_FAILED", retryable: false, hint: expect.stringContaining("notary.passphrases.root") });
    expect(toRegopsError(keys, { op: "sign", gun: GUN, key: "targets" }).hint).toContain("notary.passphrases.targets");
    expect(toRegopsError(keys, { op: "sign", gun: GUN, key: "delegation", role: "targets/releases" }).hint).toMatch(/targets\/releases.*notary\.passphrases\.delegation.*notary\.delegationKeys/);
  });

  it("when the passphrase is not configured, then the hint says to set it", () => {
    expect(toRegopsError(passphrase, { op: "init", gun: GUN, key: "root", missing: ["root"] }).hint).toBe("set notary.passphrases.root: notary needs it for init");
  });

  it("when unreachable, unsigned or rejected, then the codes are NOTARY_UNREACHABLE (retryable), SIGNATURE_MISSING, NOTARY_FAILED", () => {
    expect(toRegopsError(classify(fail("* fatal: client is offline\n")), { op: "lookup" })).toMatchObject({ code: "NOTARY_UNREACHABLE", retryable: true });
    expect(toRegopsError(classify(fail("* fatal: No valid trust data for v1\n")), { op: "lookup" }).code).toBe("SIGNATURE_MISSING");
    expect(toRegopsError(classify(fail("* fatal: trust server rejected operation.\n")), { op: "sign" }).code).toBe("NOTARY_FAILED");
  });
});

describe("passphrases never leave", () => {
  it("when output contains a passphrase, then scrub replaces every one, longest first", () => {
    expect(scrub("a pass-1 b pass-12 c", ["pass-1", "pass-12"])).toBe("a [redacted] b [redacted] c");
  });

  it("when notary echoed a passphrase in a failure, then the RegopsError (message, hint, JSON) does not carry it", async () => {
    const config = testConfig();
    const echo = `\n* fatal: password invalid: ${config.passphrases.targets} / ${config.passphrases.root}\n`;
    const runner = fakeRunner((argv) => (argv[2] === "addhash" ? { code: 1, stdout: echo, stderr: logrus(`bad ${config.passphrases.targets}`) } : undefined));
    const notary = new Notary(config, { redis: fakeRedis(), lockPrefix: "t:", runner });
    const err = await notary.sign(GUN, "v1", `sha256:${"c".repeat(64)}`, 10).then(
      () => expect.fail("sign should fail"),
      (e: unknown) => e as RegopsError,
    );
    expect(err).toMatchObject({ code: "NOTARY_FAILED", hint: expect.stringContaining("notary.passphrases.targets") });
    const everything = JSON.stringify([err.message, err.hint, err, String(err.stack)]);
    for (const secret of Object.values(config.passphrases)) expect(everything).not.toContain(secret);
    // and the failed publish was reset, before and after
    expect(runner.calls.map((c) => c.argv[2])).toEqual(["reset", "list", "addhash", "key", "reset"]);
  });

  it("when the server rejects the update, then publish is retried and the sign succeeds", async () => {
    let rejected = 0;
    const runner = fakeRunner((argv) => {
      if ((argv[2] === "addhash" || argv[2] === "publish") && rejected++ < 2) return { code: 1, stdout: "* fatal: trust server rejected operation.\n" };
      return undefined;
    });
    const notary = new Notary(testConfig(), { redis: fakeRedis(), lockPrefix: "t:", runner });
    await expect(notary.sign(GUN, "v1", `sha256:${"c".repeat(64)}`, 10)).resolves.toMatchObject({ role: "targets", repoCreated: false });
    expect(runner.calls.map((c) => c.argv[2])).toEqual(["reset", "list", "addhash", "publish", "publish"]);
  });
});

describe("cancelling", () => {
  it("when a sign is aborted while notary runs, then it rejects with the reason, resets the GUN and frees its lock", async () => {
    const calls: string[] = [];
    const ctrl = new AbortController();
    const runner = (argv: readonly string[], opts: { signal?: AbortSignal }) => {
      calls.push(argv[2]!);
      if (argv[2] !== "addhash" || calls.filter((c) => c === "addhash").length > 1) return Promise.resolve({ code: 0, stdout: "", stderr: "" });
      const running = new Promise<never>((_, reject) => opts.signal!.addEventListener("abort", () => reject(opts.signal!.reason), { once: true }));
      // cancelled while addhash runs: the moment is the condition, not a clock
      queueMicrotask(() => ctrl.abort(new Error("job cancelled")));
      return running;
    };
    const notary = new Notary(testConfig(), { redis: fakeRedis(), lockPrefix: "t:", runner });
    const signing = notary.sign(GUN, "v1", `sha256:${"c".repeat(64)}`, 10, { signal: ctrl.signal });
    await expect(signing).rejects.toThrow("job cancelled");
    expect(calls).toEqual(["reset", "list", "addhash", "reset"]);
    await expect(notary.sign(GUN, "v2", `sha256:${"c".repeat(64)}`, 10)).resolves.toMatchObject({ role: "targets" });
  });
});

describe("tables", () => {
  it("when `list` prints targets, then each row becomes {tag, digest, size, role}", () => {
    const out = [
      "NAME    DIGEST                                                              SIZE (BYTES)    ROLE",
      "----    ------                                                              ------------    ----",
      `v1      ${"0".repeat(63)}1    523             targets`,
      `v3      ${"0".repeat(63)}3    30              targets/releases`,
      "",
    ].join("\n");
    expect(parseTargets(out)).toEqual([
      { tag: "v1", digest: `sha256:${"0".repeat(63)}1`, size: 523, role: "targets" },
      { tag: "v3", digest: `sha256:${"0".repeat(63)}3`, size: 30, role: "targets/releases" },
    ]);
    expect(parseTargets("\nNo targets present in this repository.\n\n")).toEqual([]);
  });

  it("when `delegation list` continues a role on more rows, then paths and key ids are collected", () => {
    const out = [
      "",
      "ROLE                PATHS             KEY IDS                                                             THRESHOLD",
      "----                -----             -------                                                             ---------",
      `targets/ci          release-          ${"1".repeat(64)}    1`,
      `                    v                 ${"2".repeat(64)}    `,
      `targets/releases    "" <all paths>    ${"3".repeat(64)}    1`,
      "",
    ].join("\n");
    expect(parseDelegations(out)).toEqual([
      { role: "targets/ci", paths: ["release-", "v"], allPaths: false, keyIds: ["1".repeat(64), "2".repeat(64)], threshold: 1 },
      { role: "targets/releases", paths: [], allPaths: true, keyIds: ["3".repeat(64)], threshold: 1 },
    ]);
    expect(parseDelegations("\nNo delegations present in this repository.\n\n")).toEqual([]);
  });

  it("when `key list` prints keys, then root and delegation keys have no GUN", () => {
    const out = [
      "",
      "ROLE                GUN                   KEY ID                                                              LOCATION",
      "----                ---                   ------                                                              --------",
      `root                                      ${"b".repeat(64)}    /tmp/t/private`,
      `targets/releases                          ${"0".repeat(64)}    /tmp/t/private`,
      `targets             localhost:5000/a/b    ${KEYID}    /tmp/t/private`,
      "",
    ].join("\n");
    expect(parseKeys(out)).toEqual([
      { role: "root", keyId: "b".repeat(64), location: "/tmp/t/private" },
      { role: "targets/releases", keyId: "0".repeat(64), location: "/tmp/t/private" },
      { role: "targets", gun: GUN, keyId: KEYID, location: "/tmp/t/private" },
    ]);
  });
});
