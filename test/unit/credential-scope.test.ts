// Where a registry's credentials may go: the realm policy (realm.ts) and the internal-address
// classifier behind it. The hostile-registry integration test covers what a real service does;
// here, the cases it cannot stage on one machine (a registry on a public address).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchToken } from "../../src/registry/auth.js";
import { guardedLookup, hostIsInternal, hostResolvesInternal, isInternalAddress } from "../../src/registry/internal-address.js";
import { networkError } from "../../src/registry/network-errors.js";
import { checkForeignHop, checkRealm, realmMatches } from "../../src/registry/realm.js";

describe("internal addresses", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:7f00:1", true],
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["fe80::1", true],
    ["fd12:3456::1", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["8.8.8.8", false],
    ["172.32.0.1", false],
    ["2606:4700::1111", false],
    ["not-an-ip", false],
  ])("when the address is %s, then internal is %s", (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it("when a host is a literal or a localhost name, then it is known without DNS; another name is not", () => {
    expect(hostIsInternal("[::1]")).toBe(true);
    expect(hostIsInternal("localhost")).toBe(true);
    expect(hostIsInternal("registry.localhost")).toBe(true);
    expect(hostIsInternal("93.184.216.34")).toBe(false);
    expect(hostIsInternal("auth.docker.io")).toBeUndefined();
  });

  it("when a name resolves to any internal address, then the host is internal", async () => {
    expect(await hostResolvesInternal("harbor.corp", async () => [{ address: "10.0.0.5", family: 4 }])).toBe(true);
    expect(await hostResolvesInternal("registry.example", async () => [{ address: "93.184.216.34", family: 4 }])).toBe(false);
    expect(await hostResolvesInternal("gone.example", async () => Promise.reject(new Error("ENOTFOUND")))).toBe(false);
  });
});

describe("token realm policy", () => {
  const publicRegistry = { registry: new URL("https://registry-1.docker.io"), registryInternal: false };
  const internalRegistry = { registry: new URL("http://127.0.0.1:5000"), registryInternal: true };
  const refused = (realm: string, policy: Parameters<typeof checkRealm>[1]) => {
    try {
      checkRealm(realm, policy);
    } catch (err) {
      return err as { code: string; message: string };
    }
    throw new Error(`${realm} was accepted`);
  };

  it("when an https registry names a realm on another public host over https, then it is used (Docker Hub's auth.docker.io)", () => {
    const r = checkRealm("https://auth.docker.io/token", publicRegistry);
    expect(r.url.host).toBe("auth.docker.io");
    // a name: its addresses are checked as it is connected to
    expect(r.resolveGuarded).toBe(true);
  });

  it("when an https registry names a plain-http realm, then it is refused, even on its own host", () => {
    expect(refused("http://auth.docker.io/token", publicRegistry)).toMatchObject({ code: "TOKEN_REALM_REFUSED", message: expect.stringMatching(/plain http/) });
    expect(refused("http://registry-1.docker.io/token", publicRegistry).code).toBe("TOKEN_REALM_REFUSED");
  });

  it.each(["https://127.0.0.1/token", "https://10.0.0.8/token", "https://169.254.169.254/latest", "https://[::1]:8443/t", "https://localhost/token"])(
    "when a public registry names the internal realm %s, then it is refused",
    (realm) => {
      expect(refused(realm, publicRegistry)).toMatchObject({ code: "TOKEN_REALM_REFUSED", message: expect.stringMatching(/internal/) });
    },
  );

  it("when the registry is itself internal, then an internal realm next to it is used", () => {
    expect(checkRealm("http://127.0.0.1:5001/token", internalRegistry)).toMatchObject({ resolveGuarded: false });
    expect(checkRealm("https://10.0.0.8/token", internalRegistry).url.host).toBe("10.0.0.8");
  });

  it("when tokenRealms is set, then only realms it lists (and the registry's own origin) are used", () => {
    const policy = { ...publicRegistry, tokenRealms: ["https://auth.docker.io/token"] };
    expect(checkRealm("https://auth.docker.io/token?x=1", policy).url.pathname).toBe("/token");
    expect(checkRealm("https://registry-1.docker.io/service/token", policy).resolveGuarded).toBe(false);
    expect(refused("https://evil.example/token", policy).message).toMatch(/tokenRealms/);
    expect(refused("https://auth.docker.io/tokenx", policy).code).toBe("TOKEN_REALM_REFUSED");
    // a realm the operator listed is trusted where it is (a registry behind a proxy, its token service inside)
    expect(checkRealm("https://10.0.0.8/token", { ...policy, tokenRealms: ["https://10.0.0.8/"] }).resolveGuarded).toBe(false);
    // but never over plain http for an https registry
    expect(refused("http://10.0.0.8/token", { ...policy, tokenRealms: ["http://10.0.0.8/"] }).message).toMatch(/plain http/);
  });

  it("when the realm is not an http(s) URL or carries credentials, then it is refused", () => {
    for (const realm of ["file:///etc/passwd", "ftp://auth.example/t", "not a url", "https://u:p@auth.example/t"]) {
      expect(refused(realm, publicRegistry).code).toBe("TOKEN_REALM_REFUSED");
    }
  });

  it("matches prefixes at path-segment boundaries", () => {
    expect(realmMatches(new URL("https://a.example/v2/token"), "https://a.example")).toBe(true);
    expect(realmMatches(new URL("https://a.example/token/x"), "https://a.example/token")).toBe(true);
    expect(realmMatches(new URL("https://a.example/tokens"), "https://a.example/token")).toBe(false);
    expect(realmMatches(new URL("https://a.example:444/token"), "https://a.example/token")).toBe(false);
  });
});

describe("where a registry may send regops (redirects, upload Locations)", () => {
  it("when a registry that is not internal sends regops to an internal address, then it is refused", () => {
    for (const url of ["http://169.254.169.254/latest/meta-data", "http://127.0.0.1:2375/containers", "https://[fd00::1]/x", "http://localhost/"]) {
      expect(() => checkForeignHop(new URL(url), false, "GET r/app")).toThrow(expect.objectContaining({ code: "REGISTRY_REJECTED" }));
    }
  });

  it("when the target is a public address or a name, then it is used (a name through the guarded lookup)", () => {
    expect(checkForeignHop(new URL("https://93.184.216.34/blob"), false, "GET r/app")).toBe("direct");
    expect(checkForeignHop(new URL("https://storage.example/blob"), false, "GET r/app")).toBe("guarded");
  });

  it("when the registry is itself internal, then its internal neighbours are fine", () => {
    expect(checkForeignHop(new URL("http://10.0.0.9:9000/blob"), true, "GET r/app")).toBe("direct");
  });

  it("when the guarded lookup refuses a name, then the error is typed, not a connection failure", () => {
    const err = Object.assign(new Error("x resolves to 10.0.0.1"), { code: "EREGOPS_INTERNAL_ADDRESS" });
    expect(networkError(err, "storage.example")).toMatchObject({ code: "REGISTRY_REJECTED", message: expect.stringMatching(/internal address/) });
  });
});

describe("guarded lookup (a realm known only by name)", () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "t" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const challenge = { scheme: "bearer" as const, params: { realm: "unused" } };
  const creds = { username: "robot", password: "canary-password" };

  it("when the realm's name resolves to an internal address, then the token request never connects", async () => {
    const dispatcher = new Agent({ connect: { lookup: guardedLookup(async () => [{ address: "127.0.0.1", family: 4 }]) } });
    try {
      const before = hits;
      await expect(
        fetchToken(challenge, "repository:a:pull", creds, { realm: new URL(`http://realm.example:${port}/token`), dispatcher, maxBytes: 1024 }),
      ).rejects.toMatchObject({ code: "TOKEN_REALM_REFUSED" });
      expect(hits).toBe(before);
    } finally {
      await dispatcher.close();
    }
  });

  it("when the token answer is larger than tokenBytes, then it fails REGISTRY_ANSWER_TOO_LARGE naming the limit", async () => {
    const big = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: "x".repeat(64 * 1024) }));
    });
    await new Promise<void>((r) => big.listen(0, "127.0.0.1", r));
    const dispatcher = new Agent();
    try {
      const realm = new URL(`http://127.0.0.1:${(big.address() as AddressInfo).port}/token`);
      await expect(fetchToken(challenge, "repository:a:pull", creds, { realm, dispatcher, maxBytes: 4096 })).rejects.toMatchObject({
        code: "REGISTRY_ANSWER_TOO_LARGE",
        message: expect.stringMatching(/limits\.tokenBytes/),
      });
    } finally {
      await dispatcher.close();
      await new Promise<void>((r) => big.close(() => r()));
    }
  });
});
