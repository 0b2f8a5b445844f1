// What reaches the notary CLI's argv: references crafted to look like flags or shell are refused
// before any process starts (a fake runner records argv and must never be called), and valid
// ones give exactly the argv expected: flags first, then "--", then the positionals.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RegopsError } from "../../src/errors.js";
import { notaryArgs } from "../../src/sign/notary-v1/args.js";
import { Notary } from "../../src/sign/notary-v1/notary.js";
import { fakeRedis, fakeRunner, testConfig, type RunnerCall } from "../helpers/notary.js";

const HEX = "ab".repeat(32);
const DIGEST = `sha256:${HEX}`;
const GUN = "registry.example.com:5000/team/app";

const HOSTILE = ["--help", "-s http://evil", "-s", "$(id)", "a;rm -rf /", "team/my app", "`id`", "a|b", "a&&b", "a\nb", "x/../../etc", "--", "-"];

describe("notary argv safety", () => {
  it.each(HOSTILE)("when the GUN is %j, then every call is refused before notary runs", async (bad) => {
    const runner = fakeRunner();
    const notary = new Notary(testConfig(), { redis: fakeRedis(), lockPrefix: "t:", runner });
    const calls = [
      notary.sign(bad, "v1", DIGEST, 523),
      notary.lookup(bad, "v1"),
      notary.list(bad),
      notary.delegations(bad),
      notary.addDelegation(bad, "targets/releases", "-----BEGIN CERTIFICATE-----\n"),
      notary.rotateKey(bad, "targets"),
    ];
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: "INVALID_REFERENCE" });
    expect(runner.calls).toEqual([]);
  });

  it.each(HOSTILE.concat(["", ".hidden", "x".repeat(129), "v1:latest", "v1@sha256"]))("when the tag is %j, then sign and lookup are refused before notary runs", async (bad) => {
    const runner = fakeRunner();
    const notary = new Notary(testConfig(), { redis: fakeRedis(), lockPrefix: "t:", runner });
    await expect(notary.sign(GUN, bad, DIGEST, 523)).rejects.toBeInstanceOf(RegopsError);
    await expect(notary.lookup(GUN, bad)).rejects.toBeInstanceOf(RegopsError);
    expect(runner.calls).toEqual([]);
  });

  it.each<[string, [string, string, number, string | undefined]]>([
    ["digest", ["v1", `sha256:${"AB".repeat(32)}`, 523, undefined]],
    ["digest", ["v1", `sha512:${"ab".repeat(64)}`, 523, undefined]],
    ["digest", ["v1", "--sha256=x", 523, undefined]],
    ["size", ["v1", DIGEST, 0, undefined]],
    ["size", ["v1", DIGEST, 1.5, undefined]],
    ["role", ["v1", DIGEST, 523, "--roles=targets"]],
    ["role", ["v1", DIGEST, 523, "releases"]],
    ["role", ["v1", DIGEST, 523, "targets/$(id)"]],
  ])("when the %s is bad, then sign is refused before notary runs", async (_what, [tag, digest, size, role]) => {
    const runner = fakeRunner();
    const notary = new Notary(testConfig(), { redis: fakeRedis(), lockPrefix: "t:", runner });
    await expect(notary.sign(GUN, tag, digest, size, { role })).rejects.toBeInstanceOf(RegopsError);
    expect(runner.calls).toEqual([]);
  });

  it("when a GUN is not the full name docker uses, then it is refused (nginx is docker.io/library/nginx)", () => {
    expect(() => notaryArgs.list("nginx")).toThrow(/docker\.io\/library\/nginx/);
    expect(() => notaryArgs.list(`${GUN}:v1`)).toThrow(/without tag or digest/);
    expect(notaryArgs.list("docker.io/library/nginx")).toEqual(["list", "--", "docker.io/library/nginx"]);
  });

  it("when delegation paths or the role look like flags, then addDelegation is refused before notary runs", async () => {
    const runner = fakeRunner();
    const notary = new Notary(testConfig(), { redis: fakeRedis(), lockPrefix: "t:", runner });
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    await expect(notary.addDelegation(GUN, "targets/releases", pem, ["--all-paths"])).rejects.toBeInstanceOf(RegopsError);
    await expect(notary.addDelegation(GUN, "targets/releases", pem, ["a,b"])).rejects.toBeInstanceOf(RegopsError);
    await expect(notary.addDelegation(GUN, "targets", pem)).rejects.toBeInstanceOf(RegopsError);
    await expect(notary.addDelegation(GUN, "targets/releases", "not a pem")).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(runner.calls).toEqual([]);
  });

  it("when the arguments are valid, then each builder puts flags first, then --, then positionals", () => {
    expect(notaryArgs.addhash(GUN, "v1.2_3-rc", 523, DIGEST, "targets")).toEqual(["addhash", "-p", `--sha256=${HEX}`, "--", GUN, "v1.2_3-rc", "523"]);
    expect(notaryArgs.addhash(GUN, "v1", 523, DIGEST, "targets/releases")).toEqual([
      "addhash", "-p", `--sha256=${HEX}`, "--roles=targets/releases", "--", GUN, "v1", "523",
    ]);
    expect(notaryArgs.lookup(GUN, "v1")).toEqual(["lookup", "--", GUN, "v1"]);
    expect(notaryArgs.list(GUN, "targets/releases")).toEqual(["list", "--roles=targets/releases", "--", GUN]);
    expect(notaryArgs.init(GUN)).toEqual(["init", "-p", "--", GUN]);
    expect(notaryArgs.rotate(GUN, "snapshot")).toEqual(["key", "rotate", "-r", "--", GUN, "snapshot"]);
    expect(notaryArgs.rotate(GUN, "targets")).toEqual(["key", "rotate", "--", GUN, "targets"]);
    expect(notaryArgs.reset(GUN)).toEqual(["reset", "--all", "--", GUN]);
    expect(notaryArgs.publish(GUN)).toEqual(["publish", "--", GUN]);
    expect(notaryArgs.delegationAdd(GUN, "targets/releases", "/tmp/x/c.crt")).toEqual([
      "delegation", "add", "-p", "--all-paths", "--", GUN, "targets/releases", "/tmp/x/c.crt",
    ]);
    expect(notaryArgs.delegationAdd(GUN, "targets/releases", "/tmp/x/c.crt", ["v1", "release-"])).toEqual([
      "delegation", "add", "-p", "--paths=v1", "--paths=release-", "--", GUN, "targets/releases", "/tmp/x/c.crt",
    ]);
    expect(notaryArgs.keyImport("/keys/ci.key", "targets/releases")).toEqual(["key", "import", "--role=targets/releases", "--", "/keys/ci.key"]);
    expect(notaryArgs.delegationList("[::1]:5000/a/b")).toEqual(["delegation", "list", "--", "[::1]:5000/a/b"]);
  });

  it("when a new GUN is signed, then the runner sees exactly: reset, list, init, rotate, addhash, each with only the passphrases it needs", async () => {
    const config = testConfig();
    const runner = fakeRunner((argv) =>
      argv[2] === "list" ? { code: 1, stdout: `\n* fatal: notary.example.com:4443 does not have trust data for ${GUN}\n` } : undefined,
    );
    const notary = new Notary(config, { redis: fakeRedis(), lockPrefix: "t:", runner });
    const result = await notary.sign(GUN, "v1", DIGEST, 523);
    expect(result).toMatchObject({ role: "targets", repoCreated: true });
    const [file] = readdirSync(config.trustDir).filter((f) => /^regops-client-[0-9a-f]{16}\.json$/.test(f));
    const cfg = join(config.trustDir, file!);
    expect(JSON.parse(readFileSync(cfg, "utf8"))).toEqual({ trust_dir: config.trustDir, remote_server: { url: config.server } });
    expect(runner.calls.map((c) => c.argv)).toEqual([
      ["-c", cfg, "reset", "--all", "--", GUN],
      ["-c", cfg, "list", "--", GUN],
      ["-c", cfg, "init", "-p", "--", GUN],
      ["-c", cfg, "key", "rotate", "-r", "--", GUN, "snapshot"],
      ["-c", cfg, "addhash", "-p", `--sha256=${HEX}`, "--", GUN, "v1", "523"],
    ]);
    const passphrases = (c: RunnerCall) => Object.keys(c.env).filter((k) => k.startsWith("NOTARY_")).sort();
    expect(runner.calls.map(passphrases)).toEqual([
      [],
      [],
      ["NOTARY_ROOT_PASSPHRASE", "NOTARY_SNAPSHOT_PASSPHRASE", "NOTARY_TARGETS_PASSPHRASE"],
      ["NOTARY_ROOT_PASSPHRASE"],
      ["NOTARY_SNAPSHOT_PASSPHRASE", "NOTARY_TARGETS_PASSPHRASE"],
    ]);
    expect(runner.calls[2]!.env.NOTARY_ROOT_PASSPHRASE).toBe("root-secret-1");
    for (const c of runner.calls) {
      expect(Object.keys(c.env).filter((k) => !k.startsWith("NOTARY_")).every((k) => /^(PATH|HOME|(https?|no)_proxy)$/i.test(k))).toBe(true);
    }
  });
});
