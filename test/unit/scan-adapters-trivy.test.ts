import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseReference } from "../../src/registry/reference.js";
import { ScanAdapterError } from "../../src/scan/adapters/errors.js";
import { harborReportFromTrivy } from "../../src/scan/adapters/trivy-harbor.js";
import { checkTrivyReport, parseTrivyReport } from "../../src/scan/adapters/trivy-report.js";
import { TrivyScanner, trivyEnv, trivyImageArgs, type TrivyRunner } from "../../src/scan/adapters/trivy.js";
import { highestSeverity, severityFrom } from "../../src/scan/adapters/types.js";
import { corpus, corpusPath } from "../helpers/corpus.js";

// Trivy's golden reports, read in place from the corpus (test/helpers/corpus.ts).
const golden = (name: string) => readFileSync(corpusPath("scanner/trivy/reports", `${name}.json.golden`), "utf8");
const rows = (name: string) => parseTrivyReport(golden(name)).findings.map((f) => [f.id, f.package, f.installedVersion, f.fixedVersion, f.severity]);

describe("parseTrivyReport on Trivy's goldens", () => {
  it.skipIf(!corpus)("when debian-buster, then bash has no fix and libidn2-0 is Critical with its DSA alias", () => {
    const report = parseTrivyReport(golden("debian-buster"));
    expect(report.scanner).toEqual({ name: "Trivy", vendor: "Aqua Security", version: "dev" });
    expect(report.generatedAt).toBe("2021-08-25T12:20:30.000000005Z");
    expect(rows("debian-buster")).toEqual([
      ["CVE-2019-18276", "bash", "5.0-4", undefined, "Low"],
      ["CVE-2019-18224", "libidn2-0", "2.0.5-1", "2.0.5-1+deb10u1", "Critical"],
    ]);
    const [bash, idn] = report.findings;
    expect(bash).not.toHaveProperty("fixedVersion");
    expect(idn?.aliases).toEqual(["DSA-4613-1"]);
    expect(idn?.links).toEqual(["https://avd.aquasec.com/nvd/cve-2019-18224"]);
    expect(idn?.layer).toBe("sha256:4a56a430b2bac33260d6449e162017e2b23076c6411a17b46db67f5b84dde2bd");
    expect(bash?.summary).toMatch(/^bash: when effective UID/);
  });

  it.skipIf(!corpus)("when alpine-310, then both binary packages of openssl get both CVEs", () => {
    expect(rows("alpine-310")).toEqual([
      ["CVE-2019-1549", "libcrypto1.1", "1.1.1c-r0", "1.1.1d-r0", "Medium"],
      ["CVE-2019-1551", "libcrypto1.1", "1.1.1c-r0", "1.1.1d-r2", "Medium"],
      ["CVE-2019-1549", "libssl1.1", "1.1.1c-r0", "1.1.1d-r0", "Medium"],
      ["CVE-2019-1551", "libssl1.1", "1.1.1c-r0", "1.1.1d-r2", "Medium"],
    ]);
  });

  it.skipIf(!corpus)("when ubuntu-1804, then e2fsprogs' four binaries are reported and bash CVE-2016-9401 is not", () => {
    const r = rows("ubuntu-1804");
    expect(r.map((x) => x[1])).toEqual(["bash", "e2fsprogs", "libcom-err2", "libext2fs2", "libss2"]);
    expect(r.map((x) => x[0])).not.toContain("CVE-2016-9401");
  });

  it.skipIf(!corpus)("when npm (a repository scan, no layers), then jquery CVE-2019-11358 only", () => {
    const [f, ...rest] = parseTrivyReport(golden("npm")).findings;
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ id: "CVE-2019-11358", package: "jquery", installedVersion: "3.3.9", fixedVersion: "3.4.0", severity: "Medium" });
    expect(f).not.toHaveProperty("layer");
  });

  it.skipIf(!corpus)("when PrimaryURL is missing, then the links are the References", () => {
    const json = JSON.parse(golden("npm"));
    const v = json.Results[0].Vulnerabilities[0];
    delete v.PrimaryURL;
    const [f] = parseTrivyReport(json).findings;
    expect(f?.links).toEqual(v.References);
    expect(f?.links.length).toBeGreaterThan(10);
  });

  it("when a clean image (Results without Vulnerabilities, or null), then no findings", () => {
    const base = { SchemaVersion: 2, CreatedAt: "2024-01-01T00:00:00Z" };
    expect(parseTrivyReport({ ...base, Results: [{ Target: "x", Class: "os-pkgs" }] }).findings).toEqual([]);
    expect(parseTrivyReport({ ...base, Results: null }).findings).toEqual([]);
  });

  it("when the report is wrong, then the error names the field", () => {
    expect(() => parseTrivyReport("{not json")).toThrow(/not JSON/);
    expect(() => checkTrivyReport({ SchemaVersion: 1 })).toThrow(/SchemaVersion/);
    const bad = { SchemaVersion: 2, Results: [{ Target: "x", Vulnerabilities: [{ VulnerabilityID: "CVE-1", PkgName: 3, InstalledVersion: "1" }] }] };
    const err = (() => { try { parseTrivyReport(bad); } catch (e) { return e as ScanAdapterError; } })();
    expect(err).toBeInstanceOf(ScanAdapterError);
    expect(err?.reason).toBe("bad_response");
    expect(err?.message).toContain("Results.0.Vulnerabilities.0.PkgName");
  });
});

describe("severities", () => {
  it("when Trivy's upper case or odd values, then Harbor's scale", () => {
    expect(["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "negligible", "bogus", undefined].map(severityFrom)).toEqual([
      "Critical", "High", "Medium", "Low", "Unknown", "Negligible", "Unknown", "Unknown",
    ]);
    expect(highestSeverity([{ severity: "Low" }, { severity: "High" }, { severity: "Unknown" }])).toBe("High");
    expect(highestSeverity([])).toBe("Unknown");
  });
});

describe("harborReportFromTrivy", () => {
  it.skipIf(!corpus)("when debian-buster, then a v1.1 report as harbor-scanner-trivy writes it", () => {
    const artifact = { repository: "library/debian", digest: `sha256:${"a".repeat(64)}`, mime_type: "application/vnd.oci.image.manifest.v1+json" };
    const report = harborReportFromTrivy(checkTrivyReport(JSON.parse(golden("debian-buster"))), artifact, "2024-01-01T00:00:00Z");
    expect(report.severity).toBe("Critical");
    expect(report.vulnerabilities[1]).toMatchObject({
      id: "CVE-2019-18224", package: "libidn2-0", version: "2.0.5-1", fix_version: "2.0.5-1+deb10u1", severity: "Critical",
      links: ["https://avd.aquasec.com/nvd/cve-2019-18224"], layer: { digest: expect.stringMatching(/^sha256:4a56/) },
    });
    expect(report.vulnerabilities[1]?.preferred_cvss).toMatchObject({ score_v3: expect.any(Number) });
  });
});

describe("trivy invocation", () => {
  const ref = parseReference("registry.example.com:5000/team/app@sha256:" + "b".repeat(64));

  it("when local, then image --format json --quiet with the reference last", () => {
    expect(trivyImageArgs(ref, { timeoutMs: 120_000 })).toEqual([
      "image", "--format", "json", "--quiet", "--timeout", "120s", `registry.example.com:5000/team/app@sha256:${"b".repeat(64)}`,
    ]);
  });

  it("when a server, then --server before the reference; credentials only in the environment", () => {
    const args = trivyImageArgs(ref, { server: "http://trivy:4954", insecure: true });
    expect(args.slice(-4)).toEqual(["--server", "http://trivy:4954", "--insecure", expect.stringContaining("team/app@")]);
    const env = trivyEnv({ username: "robot", password: "s3cret-pw" }, { serverToken: "tok-123" }, { PATH: "/bin", REGOPS_SECRET_KEY: "k" });
    expect(env).toEqual({ PATH: "/bin", TRIVY_USERNAME: "robot", TRIVY_PASSWORD: "s3cret-pw", TRIVY_TOKEN: "tok-123" });
    expect(trivyEnv({ registryToken: "jwt" }, {}, {})).toEqual({ TRIVY_REGISTRY_TOKEN: "jwt" });
    expect(args.join(" ")).not.toMatch(/s3cret|tok-123/);
  });

  it.skipIf(!corpus)("when the runner succeeds, then its stdout is parsed; argv and env reach the runner", async () => {
    const calls: { file: string; args: readonly string[]; env: Record<string, string> }[] = [];
    const runner: TrivyRunner = async (file, args, opts) => {
      calls.push({ file, args, env: opts.env });
      return { stdout: golden("alpine-310"), stderr: "" };
    };
    const report = await new TrivyScanner({ binary: "/usr/local/bin/trivy", runner }).scan(ref, { username: "u", password: "p" });
    expect(report.findings).toHaveLength(4);
    expect(calls[0]?.file).toBe("/usr/local/bin/trivy");
    expect(calls[0]?.args.slice(0, 4)).toEqual(["image", "--format", "json", "--quiet"]);
    expect(calls[0]?.env.TRIVY_PASSWORD).toBe("p");
  });

  it("when trivy fails, is missing or is cancelled, then typed errors without the password", async () => {
    const failing = (err: object): TrivyRunner => async () => { throw Object.assign(new Error("Command failed"), err); };
    const scan = (runner: TrivyRunner, signal?: AbortSignal) =>
      new TrivyScanner({ runner }).scan(ref, { username: "robot", password: "hunter2-secret" }, { signal }).then(() => undefined, (e: ScanAdapterError) => e);

    const failed = await scan(failing({ code: 1, stderr: "FATAL unable to pull: auth hunter2-secret rejected\n" }));
    expect(failed).toMatchObject({ reason: "scan_failed", code: "REGISTRY_REJECTED" });
    expect(failed?.message).toContain("auth *** rejected");
    expect(JSON.stringify(failed) + failed?.message + failed?.stack).not.toContain("hunter2");
    expect(await scan(failing({ code: "ENOENT" }))).toMatchObject({ reason: "not_installed" });
    expect(await scan(failing({ killed: true, signal: "SIGTERM" }))).toMatchObject({ reason: "timeout", code: "TIMEOUT" });
    const ac = new AbortController();
    ac.abort();
    expect(await scan(failing({ name: "AbortError" }), ac.signal)).toMatchObject({ reason: "cancelled", code: "CANCELLED" });
  });

  it("when the real execFile runner runs a missing binary, then not_installed", async () => {
    const err = await new TrivyScanner({ binary: "/nonexistent/trivy" }).scan(ref).catch((e: ScanAdapterError) => e);
    expect(err).toMatchObject({ reason: "not_installed" });
  });
});
