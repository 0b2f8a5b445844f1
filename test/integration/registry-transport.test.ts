// How regops reaches a registry, per registry: through an HTTP(S) proxy (CONNECT, with proxy
// credentials), over TLS signed by a private CA it is told to trust, or with verification off
// (`insecure`). Real registry containers; the proxy is a real CONNECT proxy in this process.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPlatformImage } from "../helpers/oci.js";
import { startConnectProxy, type ConnectProxy } from "../helpers/connect-proxy.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { makeCertificates, type TestCertificates } from "../helpers/tls.js";

const proxyCreds = { username: "proxyuser", password: `proxy-${Date.now()}` };
let redis: StartedRedis;
let tlsRegistry: StartedRegistry;
let plain: StartedRegistry;
let proxy: ConnectProxy;
let certs: TestCertificates;
let svc: TestService;
let image: { digest: string };
let plainImage: { digest: string };

const inspect = async (ref: string) => {
  const res = await fetch(`${svc.url}/v1/manifests?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) });
  return { status: res.status, body: await json(res) };
};

beforeAll(async () => {
  certs = makeCertificates();
  [redis, tlsRegistry, plain, proxy] = await Promise.all([
    startRedis(),
    startRegistry({ tls: certs }),
    startRegistry(),
    startConnectProxy(proxyCreds),
  ]);
  // The test pushes over TLS itself, trusting nothing: only regops' trust is under test.
  const prev = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  try {
    image = await pushPlatformImage(tlsRegistry.url, "tls/app", { os: "linux", architecture: "amd64" }, {}, {}, 1024, "v1");
  } finally {
    if (prev === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = prev;
  }
  plainImage = await pushPlatformImage(plain.url, "proxied/app", { os: "linux", architecture: "arm64" }, {}, {}, 1024, "v1");
  const [, tlsPort] = tlsRegistry.host.split(":");
  svc = await startTestService({
    redisUrl: redis.url,
    registries: [
      { id: "private-ca", url: tlsRegistry.url, kind: "harbor", ca: certs.caPem },
      // the same registry under another name, with the CA given as a file path
      { id: "ca-file", url: `https://localhost:${tlsPort}`, kind: "harbor", ca: certs.caPath },
      { id: "proxied", url: plain.url, kind: "distribution", proxy: proxy.url },
    ],
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  await proxy?.close();
  await Promise.all([redis?.container.stop(), tlsRegistry?.container.stop(), plain?.container.stop()]);
});

describe("registry transport", () => {
  it("when a registry's certificate is signed by a private CA given as `ca`, then regops trusts it", async () => {
    const { status, body } = await inspect(`${tlsRegistry.host}/tls/app:v1`);
    expect(status).toBe(200);
    expect(body.digest).toBe(image.digest);
  });

  it("when the CA is a file path, then it is read from there", async () => {
    const [, port] = tlsRegistry.host.split(":");
    const { status, body } = await inspect(`localhost:${port}/tls/app:v1`);
    expect(status).toBe(200);
    expect(body.digest).toBe(image.digest);
  });

  it("when the CA is not given, then the TLS failure is named, not a 5xx crash", async () => {
    const other = await startTestService({ redisUrl: redis.url, registries: [{ id: "private-ca", url: tlsRegistry.url, kind: "harbor" }] });
    try {
      const res = await fetch(`${other.url}/v1/manifests?ref=${encodeURIComponent(`${tlsRegistry.host}/tls/app:v1`)}`, { headers: auth(KEYS.read) });
      const body = await json(res);
      expect([res.status, body.code]).toEqual([502, "REGISTRY_UNREACHABLE"]);
      expect(body.detail).toMatch(/TLS|certificate/i);
    } finally {
      await other.close();
    }
  });

  it("when `insecure` is set, then a certificate nobody vouches for is accepted", async () => {
    const other = await startTestService({ redisUrl: redis.url, registries: [{ id: "lax", url: tlsRegistry.url, kind: "harbor", insecure: true }] });
    try {
      const res = await fetch(`${other.url}/v1/manifests?ref=${encodeURIComponent(`${tlsRegistry.host}/tls/app:v1`)}`, { headers: auth(KEYS.read) });
      expect([res.status, (await json(res)).digest]).toEqual([200, image.digest]);
    } finally {
      await other.close();
    }
  });

  it("when a registry has a proxy, then its traffic goes through the proxy, with the proxy's credentials", async () => {
    const before = proxy.tunnels().length;
    const { status, body } = await inspect(`${plain.host}/proxied/app:v1`);
    expect(status).toBe(200);
    expect(body.digest).toBe(plainImage.digest);
    expect(proxy.tunnels().slice(before)).toContain(plain.host);
    // and the TLS registry, which has no proxy, never went through it
    expect(proxy.tunnels()).not.toContain(tlsRegistry.host);
  });

  it("when registries are listed, then the proxy password is masked and the CA is only flagged", async () => {
    const res = await fetch(`${svc.url}/v1/registries`, { headers: auth(KEYS.admin) });
    const text = await res.text();
    expect(text).not.toContain(proxyCreds.password);
    expect(text).not.toContain("BEGIN CERTIFICATE");
    const items = JSON.parse(text).items as { id: string; proxy?: string; customCa: boolean }[];
    expect(items.find((r) => r.id === "proxied")?.proxy).toMatch(/^http:\/\/proxyuser:\*\*\*@127\.0\.0\.1:\d+\/$/);
    expect(items.find((r) => r.id === "private-ca")?.customCa).toBe(true);
    expect(svc.logs()).not.toContain(proxyCreds.password);
  });
});
