// Referrers on a registry with the OCI 1.1 referrers API (a real distribution 2.8 registry behind
// test/helpers/referrers-api-proxy.ts, which adds the API) next to one without: pushes are
// indexed by the registry (no tag-schema index written), listings follow Link pages within their
// bound and honour the announced filter, and copies in both directions write a tag-schema index
// only where the target lacks the API.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisLock } from "../../src/locks/redis-lock.js";
import { MEDIA_TYPES } from "../../src/registry/manifest.js";
import { copyReferrers } from "../../src/registry/referrers/copy.js";
import { listReferrers } from "../../src/registry/referrers/list.js";
import { pushReferrer } from "../../src/registry/referrers/push.js";
import { Remote } from "../../src/registry/remote.js";
import { registrySchema } from "../../src/registry/schema.js";
import { pushPlatformImage } from "../helpers/oci.js";
import { startReferrersApiProxy, type ReferrersApiProxy } from "../helpers/referrers-api-proxy.js";
import { artifact, SBOM_TYPE, SIG_TYPE, tagIndexStatus } from "../helpers/referrers.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";

let redis: StartedRedis;
let withApi: StartedRegistry; // behind the proxy
let plain: StartedRegistry;
let proxy: ReferrersApiProxy;
let api: Remote;
let tagSchema: Remote;
let conn: Redis;
let lock: RedisLock;
let apiUrl = "";

beforeAll(async () => {
  [redis, withApi, plain] = await Promise.all([startRedis(), startRegistry(), startRegistry()]);
  proxy = await startReferrersApiProxy(withApi.url, 2);
  apiUrl = `http://${proxy.host}`;
  api = new Remote(registrySchema.parse({ id: "api", url: apiUrl, kind: "generic", insecure: true }));
  tagSchema = new Remote(registrySchema.parse({ id: "plain", url: plain.url, kind: "distribution", insecure: true }));
  conn = redis.client("referrers-api-test");
  lock = new RedisLock(conn, `{referrers-api-${randomUUID()}}:lock:`, { ttlMs: 5000, pollMs: 5 });
});

afterAll(async () => {
  await Promise.all([api?.close(), tagSchema?.close(), proxy?.close()]);
  conn?.disconnect();
  await Promise.all([redis?.container.stop(), withApi?.container.stop(), plain?.container.stop()]);
});

describe("a registry with the referrers API", () => {
  it("when referrers are pushed, then the registry indexes them (no tag-schema index) and listing pages through them all", async () => {
    const repo = `api-${Date.now()}/app`;
    const subject = await pushPlatformImage(apiUrl, repo, { os: "linux", architecture: "amd64" });
    const pushed = [];
    for (let i = 0; i < 5; i++) pushed.push(await pushReferrer(api, repo, await artifact(apiUrl, repo, subject, i < 2 ? SBOM_TYPE : SIG_TYPE, `n${i}`), MEDIA_TYPES.ociManifest, { lock }));
    expect(pushed.every((p) => p.via === "referrers-api")).toBe(true);
    expect(await tagIndexStatus(apiUrl, repo, subject.digest)).toBe(404);

    const before = proxy.pagesServed();
    const all = await listReferrers(api, repo, subject.digest);
    expect(all.via).toBe("referrers-api");
    expect(all.referrers.map((r) => r.digest)).toEqual(pushed.map((p) => p.descriptor.digest));
    expect(proxy.pagesServed() - before).toBe(3);
    const sboms = await listReferrers(api, repo, subject.digest, { artifactType: SBOM_TYPE });
    expect(sboms.referrers.map((r) => r.annotations?.["org.example.note"])).toEqual(["n0", "n1"]);
    await expect(listReferrers(api, repo, subject.digest, { limits: { maxPages: 2 } })).rejects.toMatchObject({ code: "REGISTRY_ANSWER_TOO_LARGE" });
    await expect(listReferrers(api, repo, subject.digest, { limits: { maxReferrers: 4 } })).rejects.toMatchObject({ code: "REGISTRY_ANSWER_TOO_LARGE" });
  });

  it("when referrers are copied from it to a registry without the API, then the target gets a tag-schema index; and back, none is written", async () => {
    const repo = `api-${Date.now()}/copy`;
    const subject = await pushPlatformImage(apiUrl, repo, { os: "linux", architecture: "amd64" });
    const sig = await pushReferrer(api, repo, await artifact(apiUrl, repo, subject, SIG_TYPE, "sig"), MEDIA_TYPES.ociManifest, { lock });

    const out = await copyReferrers(api, repo, tagSchema, repo, subject.digest, { lock });
    expect(out).toMatchObject({ referrers: 1, indexed: 1, blobsCopied: 2 });
    expect(await listReferrers(tagSchema, repo, subject.digest)).toMatchObject({ via: "tag-schema", referrers: [{ digest: sig.descriptor.digest, artifactType: SIG_TYPE }] });

    const back = await copyReferrers(tagSchema, repo, api, `${repo}-back`, subject.digest, { lock });
    expect(back).toMatchObject({ referrers: 1, indexed: 0 });
    expect(await tagIndexStatus(apiUrl, `${repo}-back`, subject.digest)).toBe(404);
    expect(await listReferrers(api, `${repo}-back`, subject.digest)).toMatchObject({ via: "referrers-api", referrers: [{ digest: sig.descriptor.digest }] });
  });
});
