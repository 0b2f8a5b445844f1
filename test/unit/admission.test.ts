import { describe, expect, it } from "vitest";
import { ApiKeys, hasScope } from "../../src/api/auth.js";
import { buildConfig } from "../../src/config.js";
import { RegopsError } from "../../src/errors.js";
import { admit } from "../../src/jobs/service.js";
import { jobSpec, requiredScope } from "../../src/jobs/specs/index.js";

const config = buildConfig(
  {},
  `registries:
  - { id: local, url: "http://127.0.0.1:5000", insecure: true }
  - { id: hub, url: "https://registry-1.docker.io", kind: dockerhub }
hosts:
  - { id: default, docker: "unix:///var/run/docker.sock" }
`,
);

function refusal(spec: unknown): RegopsError | undefined {
  try {
    admit(jobSpec.parse(spec), config);
  } catch (err) {
    return err as RegopsError;
  }
  return undefined;
}

describe("admission against the configuration", () => {
  it("when the image's registry is configured, then the normalized reference is returned", () => {
    expect(admit(jobSpec.parse({ type: "refresh", image: "nginx" }), config)).toEqual({ image: "docker.io/library/nginx:latest" });
    expect(admit(jobSpec.parse({ type: "refresh", image: "127.0.0.1:5000/team/app:v1" }), config)).toEqual({
      image: "127.0.0.1:5000/team/app:v1",
    });
  });

  it("when the registry is not configured, then 422 REGISTRY_NOT_CONFIGURED naming image", () => {
    const e = refusal({ type: "refresh", image: "quay.io/org/app:1" });
    expect(e?.code).toBe("REGISTRY_NOT_CONFIGURED");
    expect(e?.status).toBe(422);
    expect(e?.fields[0]?.field).toBe("image");
  });

  it("when a host is unknown, then 422 HOST_NOT_CONFIGURED naming hosts.N", () => {
    const e = refusal({ type: "refresh", image: "nginx", hosts: ["default", "edge-7"] });
    expect(e?.code).toBe("HOST_NOT_CONFIGURED");
    expect(e?.fields).toEqual([{ field: "hosts.1", message: 'unknown host "edge-7"' }]);
  });

  it("when the spec is parsed, then defaults are filled and unknown fields refused", () => {
    expect(jobSpec.parse({ type: "refresh", image: "nginx" })).toEqual({ type: "refresh", image: "nginx", pull: true, force: false, requireSignature: false });
    expect(jobSpec.safeParse({ type: "refresh", image: "nginx", forse: true }).success).toBe(false);
    const unknownType = jobSpec.safeParse({ type: "explode" });
    expect(unknownType.success).toBe(false);
    expect(unknownType.error?.issues[0]?.message).toBe("type must be one of: refresh, retag, sign, verify, scan, prune, retention, scanner-db, migrate-signatures");
  });
});

describe("admission of signing", () => {
  const refused = refusal;

  it("when no notary is configured, then sign, verify, requireSignature and then-sign are 422 naming the field", () => {
    expect(refused({ type: "sign", image: "nginx:1" })?.fields[0]?.field).toBe("type");
    expect(refused({ type: "verify", image: "nginx:1" })?.code).toBe("NOTARY_NOT_CONFIGURED");
    expect(refused({ type: "refresh", image: "nginx:1", requireSignature: true })?.fields[0]?.field).toBe("requireSignature");
    expect(refused({ type: "retag", source: "nginx:1", targets: ["nginx:2"], then: [{ type: "sign" }] })?.fields[0]?.field).toBe("then");
    expect(refused({ type: "refresh", image: "nginx:1" })).toBeUndefined();
  });

  it("when notary is configured, then they pass", () => {
    expect(admit(jobSpec.parse({ type: "sign", image: "nginx:1" }), { ...config, notary: {} })).toEqual({ image: "docker.io/library/nginx:1" });
  });

  it("when a sign target has neither tag nor digest, or the role is not a Notary role, then the spec refuses it", () => {
    expect(jobSpec.safeParse({ type: "sign", image: "nginx" }).success).toBe(false);
    expect(jobSpec.safeParse({ type: "sign", image: "nginx@sha256:" + "a".repeat(64), format: "notation" }).success).toBe(true);
    expect(jobSpec.safeParse({ type: "sign", image: "nginx:1", format: "cosign", role: "targets" }).success).toBe(false);
    expect(jobSpec.safeParse({ type: "sign", image: "nginx:1", role: "root" }).success).toBe(false);
    expect(jobSpec.safeParse({ type: "sign", image: "nginx:1", role: "targets/releases" }).success).toBe(true);
  });
});

describe("API keys", () => {
  const keys = new ApiKeys([
    { id: "ro", key: "read-only-key-0000000", scopes: ["read"] },
    { id: "ops", key: "operator-key-00000000", scopes: ["write"] },
  ]);

  it("when a known key is presented, then its principal and scopes come back", () => {
    expect(keys.authenticate("Bearer operator-key-00000000")).toEqual({ id: "ops", scopes: ["write"] });
    expect(keys.authenticate("bearer   read-only-key-0000000 ")).toEqual({ id: "ro", scopes: ["read"] });
  });

  it("when the header is missing, malformed or unknown, then UNAUTHENTICATED", () => {
    for (const h of [undefined, "", "Basic abc", "Bearer", "Bearer operator-key-0000000", "Bearer a b"]) {
      expect(() => keys.authenticate(h)).toThrow(RegopsError);
    }
  });

  it("when no key is configured, then every key is refused", () => {
    expect(() => new ApiKeys([]).authenticate("Bearer anything-at-all-123")).toThrow(/no API keys are configured/);
  });

  it("when scopes are compared, then admin ⊇ write ⊇ read", () => {
    expect(hasScope({ id: "x", scopes: ["write"] }, "read")).toBe(true);
    expect(hasScope({ id: "x", scopes: ["read"] }, "write")).toBe(false);
    expect(hasScope({ id: "x", scopes: ["admin"] }, "write")).toBe(true);
    expect(hasScope({ id: "x", scopes: ["write"] }, "admin")).toBe(false);
  });

  it("when a scanner-db sync is asked without scanner.sync, then 422 names the type; it needs the admin scope", () => {
    const e = refusal({ type: "scanner-db" });
    expect([e?.code, e?.status, e?.fields[0]?.field]).toEqual(["SCANNER_SYNC_NOT_CONFIGURED", 422, "type"]);
    expect(requiredScope(jobSpec.parse({ type: "scanner-db" }))).toBe("admin");
    expect(requiredScope(jobSpec.parse({ type: "refresh", image: "nginx" }))).toBe("write");
    const synced = buildConfig({}, `scanner:\n  sync: { from: "https://osv.example", into: /var/lib/regops/osv, ecosystems: [Debian, "Rocky Linux"] }\n`);
    expect(admit(jobSpec.parse({ type: "scanner-db", ecosystems: ["Rocky Linux"] }), synced)).toEqual({ image: undefined });
    const odd = (() => {
      try {
        admit(jobSpec.parse({ type: "scanner-db", ecosystems: ["Debian", "npm"] }), synced);
      } catch (err) {
        return err as RegopsError;
      }
    })();
    expect([odd?.status, odd?.fields[0]?.field]).toEqual([400, "ecosystems.1"]);
  });
});

describe("admission of signing formats", () => {
  const signing = (extra: string) =>
    buildConfig(
      {},
      `registries:
  - { id: local, url: "http://127.0.0.1:5000", insecure: true }
${extra}`,
    );
  const refusalWith = (cfg: ReturnType<typeof buildConfig>, spec: unknown) => {
    try {
      admit(jobSpec.parse(spec), cfg);
    } catch (err) {
      return err as RegopsError;
    }
    return undefined;
  };
  const image = "127.0.0.1:5000/team/app:v1";

  it("when only notation can sign, then sign defaults to notation and cosign or notary-v1 are 422 naming format", () => {
    const cfg = signing("signing:\n  notation: { key: /k.pem, certificateChain: /c.pem }\n");
    expect(refusalWith(cfg, { type: "sign", image })).toBeUndefined();
    expect(refusalWith(cfg, { type: "sign", image, format: "cosign" })?.fields[0]).toEqual({ field: "format", message: "cosign signing needs signing.cosign.key" });
    expect(refusalWith(cfg, { type: "sign", image, format: "notary-v1" })?.code).toBe("NOTARY_NOT_CONFIGURED");
    expect(refusalWith(cfg, { type: "scan", image, then: [{ type: "sign", format: "cosign" }] })?.fields[0]?.field).toBe("then.0.format");
  });

  it("when signing names nothing to verify with, then verify and requireSignature are 422 SIGNING_NOT_CONFIGURED", () => {
    const cfg = signing("signing:\n  cosign: { key: /k.pem }\n");
    expect(refusalWith(cfg, { type: "verify", image })?.code).toBe("SIGNING_NOT_CONFIGURED");
    expect(refusalWith(cfg, { type: "refresh", image, requireSignature: true })?.fields[0]?.field).toBe("requireSignature");
    const keys = signing('signing:\n  cosign: { publicKeys: { "127.0.0.1:5000/*": [/c.pub] } }\n');
    expect(refusalWith(keys, { type: "verify", image: "127.0.0.1:5000/team/app@sha256:" + "b".repeat(64) })).toBeUndefined();
  });

  it("when notary is configured and signing is not, then the default stays notary-v1 and a digest-only verify is a 400", () => {
    const cfg = { ...config, notary: {} };
    expect(refusalWith(cfg as never, { type: "sign", image: "nginx:1" })).toBeUndefined();
    expect(refusalWith(cfg as never, { type: "sign", image: "nginx@sha256:" + "c".repeat(64) })?.fields[0]?.field).toBe("image");
    expect(refusalWith(cfg as never, { type: "verify", image: "nginx@sha256:" + "c".repeat(64) })?.code).toBe("BAD_REQUEST");
  });

  it("when signing.default names a format that cannot sign, or a store is misnamed, then the config is refused naming the field", () => {
    expect(() => signing("signing:\n  notation: { key: /k.pem }\n")).toThrow(/signing\.notation\.certificateChain/);
    expect(() => signing("signing:\n  notation: { trustStores: { corp: [/a.crt] } }\n")).toThrow(/signing\.notation\.trustStores/);
  });
});
