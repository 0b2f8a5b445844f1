// Manifest inspect against a real registry, checked against what skopeo reports for the same
// references: an image pushed by the Docker engine, and a multi-platform OCI index with an
// attestation entry pushed through the registry API.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushMultiArch } from "../helpers/oci.js";
import { pushRandomImage } from "../helpers/push.js";
import { auth, json, KEYS, startTestService, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let registry: StartedRegistry;
let svc: TestService;
const repo = `inspect-${Date.now()}/app`;

const skopeo = (...args: string[]) => execFileSync("skopeo", [...args], { encoding: "utf8" });
const inspectRest = (ref: string) => fetch(`${svc.url}/v1/manifests?ref=${encodeURIComponent(ref)}`, { headers: auth(KEYS.read) });

beforeAll(async () => {
  [redis, registry] = await Promise.all([startRedis(), startRegistry()]);
  svc = await startTestService({
    redisUrl: redis.url,
    role: "api",
    registries: [{ id: "local", url: registry.url, kind: "distribution", insecure: true }],
  });
});

afterAll(async () => {
  await svc?.close();
  await Promise.all([redis?.container.stop(), registry?.container.stop()]);
});

describe("manifest inspect", () => {
  it("when an image is inspected, then digest, layers and config agree with skopeo inspect", async () => {
    const img = await pushRandomImage(registry.host, repo, "single", 1024);
    const res = await inspectRest(img.ref);
    expect(res.status).toBe(200);
    const m = await json(res);
    const s = JSON.parse(skopeo("inspect", "--tls-verify=false", `docker://${img.ref}`));
    expect(m).toMatchObject({ kind: "image", digest: s.Digest, mediaType: "application/vnd.docker.distribution.manifest.v2+json" });
    expect(m.layers.map((l: { digest: string }) => l.digest)).toEqual(s.Layers);
    expect(m.config).toMatchObject({ os: s.Os, architecture: s.Architecture, digest: img.imageId });
  });

  it("when an index is inspected, then its platforms are listed and attestations reported apart", async () => {
    const pushed = await pushMultiArch(registry.url, repo, "multi");
    const ref = `${registry.host}/${repo}:multi`;
    const raw = skopeo("inspect", "--tls-verify=false", "--raw", `docker://${ref}`);
    const m = await json(inspectRest(ref));
    expect(m.kind).toBe("index");
    expect(m.digest).toBe(`sha256:${createHash("sha256").update(raw).digest("hex")}`);
    expect(m.digest).toBe(pushed.index.digest);
    expect(m.platforms).toEqual([
      expect.objectContaining({ os: "linux", architecture: "amd64", digest: pushed.amd64.digest }),
      expect.objectContaining({ os: "linux", architecture: "arm64", variant: "v8", digest: pushed.arm64.digest }),
    ]);
    expect(m.attestations).toEqual([expect.objectContaining({ digest: pushed.attestation.digest, refersTo: pushed.amd64.digest })]);

    const child = await json(inspectRest(`${registry.host}/${repo}@${pushed.amd64.digest}`));
    expect(child.config).toMatchObject({ os: "linux", architecture: "amd64", labels: { "org.opencontainers.image.title": "amd64" } });
  });

  it("when GraphQL asks for manifest(ref), then it answers the same", async () => {
    const res = await fetch(`${svc.url}/graphql`, {
      method: "POST",
      headers: { ...auth(KEYS.read), "content-type": "application/json" },
      body: JSON.stringify({ query: `{ manifest(ref: "${registry.host}/${repo}:multi") { kind digest platforms { os architecture variant } attestations { refersTo } } }` }),
    });
    const body = await json(res);
    expect(body.errors).toBeUndefined();
    expect(body.data.manifest.kind).toBe("index");
    expect(body.data.manifest.platforms.map((p: { architecture: string }) => p.architecture)).toEqual(["amd64", "arm64"]);
  });

  it("when the tag does not exist, then 404 MANIFEST_UNKNOWN with the hint", async () => {
    const res = await inspectRest(`${registry.host}/${repo}:missing`);
    expect(res.status).toBe(404);
    const body = await json(res);
    expect(body.code).toBe("MANIFEST_UNKNOWN");
    expect(body.hint).toContain("docker manifest inspect");
  });

  it("when the reference is bad or its registry unknown, then 400 or 422", async () => {
    expect((await inspectRest("--help")).status).toBe(400);
    expect((await json(inspectRest("quay.io/a/b:1"))).code).toBe("REGISTRY_NOT_CONFIGURED");
  });
});
