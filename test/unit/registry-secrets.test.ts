import { describe, expect, it } from "vitest";
import type { RegistryConfig } from "../../src/registry/schema.js";
import { holdsSecrets, joinSecrets, splitSecrets } from "../../src/store/registry-secrets.js";

const base = { id: "r", url: "https://r.example", kind: "harbor", insecure: false, limits: {}, tagPolicy: { latest: "allow", immutable: [] } } as unknown as RegistryConfig;

describe("registry secrets (what is sealed)", () => {
  it("when a registry has credentials, a webhook secret and a proxy with user info, then none stays in the stored part and joining gives the registry back", () => {
    const full: RegistryConfig = { ...base, auth: { username: "u", password: "pw-1" }, webhook: { secret: "hook-secret-0123456" }, proxy: "http://squid:proxy-pw@10.0.0.1:3128/" };
    const split = splitSecrets(full);
    expect(split.fields).toEqual(["auth", "webhook.secret", "proxy"]);
    expect(JSON.stringify(split.registry)).not.toMatch(/pw-1|hook-secret|proxy-pw|squid/);
    expect(split.registry.proxy).toBe("http://10.0.0.1:3128/");
    expect(holdsSecrets(split.registry)).toBe(false);
    expect(holdsSecrets(full)).toBe(true);
    expect(joinSecrets(split.registry, split.secrets)).toEqual(full);
  });

  it("when ECR keys are the credentials, then they are sealed as auth", () => {
    const ecr: RegistryConfig = { ...base, auth: { ecr: { accessKeyId: "AKIA", secretAccessKey: "ecr-secret" } } };
    expect(splitSecrets(ecr).fields).toEqual(["auth"]);
    expect(JSON.stringify(splitSecrets(ecr).registry)).not.toContain("ecr-secret");
  });

  it("when a registry has no secret, then nothing is sealed and a proxy without user info stays as it is", () => {
    const plain: RegistryConfig = { ...base, proxy: "http://10.0.0.1:3128" };
    expect(splitSecrets(plain)).toEqual({ registry: plain, secrets: {}, fields: [] });
  });
});
