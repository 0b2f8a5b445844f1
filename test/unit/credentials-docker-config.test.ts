import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CredentialHelpers } from "../../src/registry/credentials/cred-helper.js";
import { convertToHostname, dockerConfigCredentials } from "../../src/registry/credentials/docker-config.js";
import { credentialSourceFor, CredentialsError } from "../../src/registry/credentials/index.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

let dir: string;
let helpers: CredentialHelpers;
let n = 0;

// A helper per store name that answers with its own name as the user, so a test can tell which ran.
async function writeHelper(name: string): Promise<void> {
  const file = join(dir, `docker-credential-${name}`);
  await writeFile(file, `#!/bin/sh\nread url\nprintf '{"ServerURL":"%s","Username":"${name}","Secret":"s3cret-%s"}' "$url" "$url"\n`);
  await chmod(file, 0o755);
}

async function configFile(content: unknown): Promise<string> {
  const file = join(dir, `config-${++n}.json`);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "regops-dockercfg-"));
  await writeHelper("perhost");
  await writeHelper("store");
  helpers = new CredentialHelpers({ path: `${dir}${delimiter}${process.env.PATH ?? ""}` });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("docker config.json auths", () => {
  it("when the entry has `auth`, then it is decoded into username and password", async () => {
    const path = await configFile({ auths: { "registry.example.com:5000": { auth: b64("alice:pa:ss") } } });
    expect(await dockerConfigCredentials(path, "registry.example.com:5000").get()).toEqual({ username: "alice", password: "pa:ss" });
  });

  it("when the entry has username and password fields, then they are used", async () => {
    const path = await configFile({ auths: { "ghcr.io": { username: "bob", password: "tok" } } });
    expect(await dockerConfigCredentials(path, "ghcr.io").get()).toEqual({ username: "bob", password: "tok" });
  });

  it("when the entry has an identitytoken, then it comes back as identityToken", async () => {
    const path = await configFile({ auths: { "myacr.azurecr.io": { auth: b64("00000000-0000-0000-0000-000000000000:"), identitytoken: "refresh-tok" } } });
    expect(await dockerConfigCredentials(path, "myacr.azurecr.io").get()).toEqual({
      username: "00000000-0000-0000-0000-000000000000",
      password: "",
      identityToken: "refresh-tok",
    });
  });

  it("when Docker Hub is keyed as docker login writes it, then every Hub host finds it", async () => {
    const path = await configFile({ auths: { "https://index.docker.io/v1/": { auth: b64("hubuser:hubpass") } } });
    for (const url of ["https://registry-1.docker.io", "https://index.docker.io", "https://docker.io"]) {
      expect(await credentialSourceFor({ dockerConfig: path }, url).get(), url).toEqual({ username: "hubuser", password: "hubpass" });
    }
  });

  it("when keys are written as URLs, then they match the registry's host and port", async () => {
    const path = await configFile({
      auths: {
        "https://other.example.com/v1/": { auth: b64("wrong:wrong") },
        "https://registry.example.com:5000/v1/": { auth: b64("carol:pw") },
        "http://plain.example.com": { auth: b64("dave:pw") },
      },
    });
    expect(await dockerConfigCredentials(path, "registry.example.com:5000").get()).toEqual({ username: "carol", password: "pw" });
    expect(await dockerConfigCredentials(path, "plain.example.com").get()).toEqual({ username: "dave", password: "pw" });
    // Another port is another registry.
    expect(await dockerConfigCredentials(path, "registry.example.com").get()).toBeUndefined();
  });

  it("when an exact key and a URL key both match, then the exact key wins", async () => {
    const path = await configFile({ auths: { "https://h.example.com": { auth: b64("url:pw") }, "h.example.com": { auth: b64("exact:pw") } } });
    expect((await dockerConfigCredentials(path, "h.example.com").get())?.username).toBe("exact");
  });

  it("when nothing matches the registry, then it is anonymous", async () => {
    const path = await configFile({ auths: { "ghcr.io": { auth: b64("a:b") } } });
    expect(await dockerConfigCredentials(path, "quay.io").get()).toBeUndefined();
    expect(await dockerConfigCredentials(await configFile({}), "quay.io").get()).toBeUndefined();
  });

  it("when the file changes, then the next get() reads the new credentials", async () => {
    const path = await configFile({ auths: { "ghcr.io": { auth: b64("old:pw") } } });
    const source = dockerConfigCredentials(path, "ghcr.io");
    expect((await source.get())?.username).toBe("old");
    await writeFile(path, JSON.stringify({ auths: { "ghcr.io": { auth: b64("newer:pw") } } }));
    expect((await source.get())?.username).toBe("newer");
  });
});

describe("docker config.json helpers", () => {
  it("when credHelpers names the registry, then that helper wins over credsStore and auths", async () => {
    const path = await configFile({
      credsStore: "store",
      credHelpers: { "registry.example.com": "perhost" },
      auths: { "registry.example.com": { auth: b64("file:pw") } },
    });
    expect(await dockerConfigCredentials(path, "registry.example.com", { helpers }).get()).toEqual({
      username: "perhost",
      password: "s3cret-registry.example.com",
    });
  });

  it("when only credsStore is set, then it answers for every registry, even one in auths", async () => {
    const path = await configFile({
      credsStore: "store",
      credHelpers: { "registry.example.com": "perhost" },
      auths: { "ghcr.io": { auth: b64("file:pw") } },
    });
    expect(await dockerConfigCredentials(path, "ghcr.io", { helpers }).get()).toEqual({ username: "store", password: "s3cret-ghcr.io" });
  });

  it("when a helper is asked about Docker Hub, then it gets the key docker login used", async () => {
    const path = await configFile({ credHelpers: { "https://index.docker.io/v1/": "perhost" } });
    const creds = await credentialSourceFor({ dockerConfig: path }, "https://registry-1.docker.io", { helpers }).get();
    expect(creds).toEqual({ username: "perhost", password: "s3cret-https://index.docker.io/v1/" });
  });
});

describe("docker config.json errors", () => {
  it("when the file is missing, then a CredentialsError names the path", async () => {
    const path = join(dir, "absent.json");
    await expect(dockerConfigCredentials(path, "ghcr.io").get()).rejects.toThrow(new CredentialsError(`docker config ${path} cannot be read (ENOENT)`));
  });

  it("when the file is not JSON, then the error does not quote it", async () => {
    const path = await configFile(`{"auths": {"ghcr.io": {"auth": "${b64("u:topsecret")}"}},,}`);
    const err = await dockerConfigCredentials(path, "ghcr.io").get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).toContain("is not valid JSON");
    expect((err as Error).message).not.toContain(b64("u:topsecret"));
  });

  it("when `auth` is not base64 user:password, then the error names the key, not the value", async () => {
    for (const auth of ["not base64!", b64("nocolon"), b64(":onlypassword")]) {
      const path = await configFile({ auths: { "ghcr.io": { auth } } });
      const err = await dockerConfigCredentials(path, "ghcr.io").get().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CredentialsError);
      expect((err as Error).message).toContain('auths["ghcr.io"].auth');
      expect((err as Error).message).not.toContain(auth);
    }
  });

  it("when a field has the wrong type, then the error names the field", async () => {
    const path = await configFile({ auths: { "ghcr.io": { auth: 42 } } });
    await expect(dockerConfigCredentials(path, "ghcr.io").get()).rejects.toThrow(/unexpected shape at auths\.ghcr\.io\.auth/);
  });
});

describe("ConvertToHostname", () => {
  it("when given URLs or paths, then it keeps host and port only", () => {
    expect(convertToHostname("https://index.docker.io/v1/")).toBe("index.docker.io");
    expect(convertToHostname("https://registry.example.com:443/v2/")).toBe("registry.example.com:443");
    expect(convertToHostname("http://user@h.example.com:5000")).toBe("h.example.com:5000");
    expect(convertToHostname("h.example.com:5000/team")).toBe("h.example.com:5000");
    expect(convertToHostname("ghcr.io")).toBe("ghcr.io");
  });
});
