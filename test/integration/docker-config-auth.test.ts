// `docker login` credentials, imported: a registry whose `auth` names a docker config.json.
// Real registries check them: htpasswd (an `auths` entry, and a credential helper program
// named by `credHelpers`), and a bearer-token service (an `identitytoken`, exchanged with the
// OAuth2 refresh-token grant as the docker CLI does).
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPlatformImage } from "../helpers/oci.js";
import { auth, json, KEYS, startTestService, waitForJob, type TestService } from "../helpers/service.js";
import { startRedis, startRegistry, type StartedRedis, type StartedRegistry } from "../helpers/stack.js";
import { startTokenServer, type TokenServer } from "../helpers/token-server.js";

const basicCreds = { username: "ci", password: `pw-${Date.now()}` };
const tokenCreds = { username: "svc", password: `tok-${Date.now()}`, identityToken: `refresh-${Date.now()}` };
let redis: StartedRedis;
let basic: StartedRegistry;
let token: StartedRegistry;
let tokens: TokenServer;
let fromAuths: TestService;
let fromHelper: TestService;
let basicImage: { digest: string };
let tokenImage: { digest: string };
const dir = mkdtempSync(join(tmpdir(), "regops-dockercfg-"));
const savedPath = process.env.PATH;

async function refresh(svc: TestService, image: string): Promise<any> {
  const res = await fetch(`${svc.url}/v1/jobs`, {
    method: "POST",
    headers: { ...auth(KEYS.write), "content-type": "application/json" },
    body: JSON.stringify({ type: "refresh", image, pull: false }),
  });
  return waitForJob(svc.url, (await json(res)).id);
}

beforeAll(async () => {
  tokens = await startTokenServer(tokenCreds);
  [redis, basic, token] = await Promise.all([
    startRedis(),
    startRegistry({ htpasswd: `ci:${bcrypt.hashSync(basicCreds.password, 10)}\n` }),
    startRegistry({ token: tokens }),
  ]);
  const basicHeader = `Basic ${Buffer.from(`${basicCreds.username}:${basicCreds.password}`).toString("base64")}`;
  basicImage = await pushPlatformImage(basic.url, "cfg/app", { os: "linux", architecture: "amd64" }, {}, { authorization: basicHeader }, 512, "v1");
  // the token registry is filled through the token flow with basic credentials, as `docker push` would
  const scope = encodeURIComponent("repository:cfg/app:pull,push");
  const tokenRes = await fetch(`${tokens.realm}?service=${tokens.service}&scope=${scope}`, {
    headers: { authorization: `Basic ${Buffer.from(`${tokenCreds.username}:${tokenCreds.password}`).toString("base64")}` },
  });
  const bearer = `Bearer ${((await tokenRes.json()) as { token: string }).token}`;
  tokenImage = await pushPlatformImage(token.url, "cfg/app", { os: "linux", architecture: "arm64" }, {}, { authorization: bearer }, 512, "v1");

  // config.json as `docker login` writes it: base64 user:pass, and an identity token
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      auths: {
        [basic.host]: { auth: Buffer.from(`${basicCreds.username}:${basicCreds.password}`).toString("base64") },
        [`http://${token.host}`]: { auth: Buffer.from(`${tokenCreds.username}:`).toString("base64"), identitytoken: tokenCreds.identityToken },
      },
    }),
  );
  // a second config.json that sends the basic registry to a credential helper program instead
  const bin = join(dir, "bin");
  writeFileSync(join(dir, "helper.json"), JSON.stringify({ credHelpers: { [basic.host]: "regopsit" }, auths: { [basic.host]: { auth: Buffer.from("ci:wrong").toString("base64") } } }));
  mkdirSync(bin);
  writeFileSync(
    join(bin, "docker-credential-regopsit"),
    `#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "${basic.host}" ]; then\n  printf '{"ServerURL":"%s","Username":"${basicCreds.username}","Secret":"${basicCreds.password}"}' "$server"\nelse\n  echo "credentials not found in native keychain"; exit 1\nfi\n`,
  );
  chmodSync(join(bin, "docker-credential-regopsit"), 0o755);
  process.env.PATH = `${bin}${delimiter}${savedPath}`;

  [fromAuths, fromHelper] = await Promise.all([
    startTestService({
      redisUrl: redis.url,
      registries: [
        { id: "basic", url: basic.url, kind: "distribution" },
        { id: "token", url: token.url, kind: "harbor" },
      ],
      extra: { dockerConfig: join(dir, "config.json") },
    }),
    startTestService({
      redisUrl: redis.url,
      registries: [{ id: "basic", url: basic.url, kind: "distribution", auth: { dockerConfig: join(dir, "helper.json") } }],
    }),
  ]);
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await fromAuths?.close();
  await fromHelper?.close();
  await Promise.all([redis?.container.stop(), basic?.container.stop(), token?.container.stop(), tokens?.close()]);
});

describe("docker config.json credentials", () => {
  it("when config.json has an auths entry, then its user:password authenticates", async () => {
    const job = await refresh(fromAuths, `${basic.host}/cfg/app:v1`);
    expect([job.state, job.result?.digest]).toEqual(["completed", basicImage.digest]);
  });

  it("when config.json has an identity token, then it is exchanged at the token service (refresh-token grant)", async () => {
    const before = tokens.issued();
    const job = await refresh(fromAuths, `${token.host}/cfg/app:v1`);
    expect([job.state, job.result?.digest], JSON.stringify(job.error)).toEqual(["completed", tokenImage.digest]);
    expect(tokens.issued()).toBeGreaterThan(before);
  });

  it("when credHelpers names a helper for the registry, then the helper program answers, not the auths entry", async () => {
    const job = await refresh(fromHelper, `${basic.host}/cfg/app:v1`);
    expect([job.state, job.result?.digest], JSON.stringify(job.error)).toEqual(["completed", basicImage.digest]);
    expect(fromHelper.logs()).not.toContain(basicCreds.password);
  });
});
