// A registry's 404 says what is missing (distribution spec error codes): a manifest, a blob, or
// the repository. regops keeps that code instead of calling every 404 MANIFEST_UNKNOWN.
// A real distribution registry; the image is pushed through its API.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegopsError } from "../../src/errors.js";
import { getManifest, headManifest } from "../../src/registry/manifest.js";
import { Remote } from "../../src/registry/remote.js";
import { listTags } from "../../src/registry/tags.js";
import { blobExists } from "../../src/registry/upload.js";
import { pushPlatformImage } from "../helpers/oci.js";
import { startRegistry, type StartedRegistry } from "../helpers/stack.js";

let registry: StartedRegistry;
let remote: Remote;
const repo = "team/app";
const missingBlob = `sha256:${"0".repeat(64)}`;

beforeAll(async () => {
  registry = await startRegistry();
  remote = new Remote({ id: "t", url: registry.url, kind: "distribution", insecure: false, limits: {}, tagPolicy: { latest: "allow", immutable: [] } } as never);
  await pushPlatformImage(registry.url, repo, { os: "linux", architecture: "amd64" }, {}, {}, 512, "v1");
}, 120_000);

afterAll(async () => {
  await remote?.close();
  await registry?.container.stop();
});

async function caught(p: Promise<unknown>): Promise<RegopsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegopsError);
  return err as RegopsError;
}

const domain = () => registry.host;

describe("when the registry answers 404", () => {
  it("when a blob is missing, then BLOB_UNKNOWN (GET with the registry's body, HEAD by its path)", async () => {
    const get = await caught(remote.send({ method: "GET", repository: repo, path: `/v2/${repo}/blobs/${missingBlob}` }));
    expect([get.code, get.status, get.retryable]).toEqual(["BLOB_UNKNOWN", 404, false]);
    expect(get.message).toContain("BLOB_UNKNOWN");
    const head = await caught(remote.send({ method: "HEAD", repository: repo, path: `/v2/${repo}/blobs/${missingBlob}` }));
    expect(head.code).toBe("BLOB_UNKNOWN");
    expect(await blobExists(remote, repo, missingBlob)).toBe(false);
  });

  it("when the repository is missing, then NAME_UNKNOWN with a hint to check its name", async () => {
    const tags = await caught(listTags(remote, { domain: domain(), path: "team/nope" }));
    expect([tags.code, tags.message, tags.hint]).toEqual(["NAME_UNKNOWN", `repository ${domain()}/team/nope not found`, expect.stringContaining("check the repository name")]);
    // distribution 2.8 answers a missing repository's manifest MANIFEST_UNKNOWN: its word is kept
    const manifest = await caught(getManifest(remote, { domain: domain(), path: "team/nope", tag: "v1" }));
    expect(manifest.code).toBe("MANIFEST_UNKNOWN");
    const blob = await caught(remote.send({ method: "GET", repository: "team/nope", path: `/v2/team/nope/blobs/${missingBlob}` }));
    expect(["NAME_UNKNOWN", "BLOB_UNKNOWN"]).toContain(blob.code);
    expect(await blobExists(remote, "team/nope", missingBlob)).toBe(false);
  });

  it("when a registry answers a manifest NAME_UNKNOWN (as Harbor and GHCR do), then NAME_UNKNOWN names the repository", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/v2/") return void res.writeHead(200).end("{}");
      res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const other = new Remote({ id: "n", url: `http://${host}`, kind: "distribution", insecure: false, limits: {}, tagPolicy: { latest: "allow", immutable: [] } } as never);
    try {
      const e = await caught(getManifest(other, { domain: host, path: "team/gone", tag: "v1" }));
      expect([e.code, e.message, e.status]).toEqual(["NAME_UNKNOWN", `repository ${host}/team/gone not found`, 404]);
      expect(e.hint).toContain("check the repository name");
    } finally {
      await other.close();
      server.close();
    }
  });

  it("when only the tag is missing, then MANIFEST_UNKNOWN as before (GET and HEAD)", async () => {
    const get = await caught(getManifest(remote, { domain: domain(), path: repo, tag: "nope" }));
    expect([get.code, get.hint]).toEqual(["MANIFEST_UNKNOWN", expect.stringContaining("docker manifest inspect")]);
    const head = await caught(headManifest(remote, { domain: domain(), path: repo, tag: "nope" }));
    expect(head.code).toBe("MANIFEST_UNKNOWN");
  });
});
