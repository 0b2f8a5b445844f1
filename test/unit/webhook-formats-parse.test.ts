// parse() beyond the corpus: the delivery variants the corpus lacks (GitHub form encoding,
// pings, base64 Pub/Sub data), and distrust — wrong shapes are 400s naming the field, names that
// are not valid references never refresh, untrusted keys never reach the prototype.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatFor, WEBHOOK_FORMATS, WebhookFormatError, type WebhookRequest } from "../../src/webhooks/formats/index.js";
import { corpus, corpusPath } from "../helpers/corpus.js";

/** A payload of the corpus, read in place (test/helpers/corpus.ts); "" in a bare clone, where its tests skip. */
const payload = (file: string) => (corpus ? readFileSync(corpusPath("webhooks", file), "utf8") : "");
const DIGEST = `sha256:${"ab".repeat(32)}`;

function json(body: unknown, headers: Record<string, string> = {}): WebhookRequest {
  const text = JSON.stringify(body);
  return { rawBody: Buffer.from(text), body: JSON.parse(text) as unknown, headers, query: {} };
}

function formatError(fn: () => unknown): WebhookFormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookFormatError) return err;
    throw err;
  }
  throw new Error("expected a WebhookFormatError");
}

describe("github deliveries", () => {
  const github = formatFor("ghcr");
  const text = payload("github-package_create-1.json");
  const expected = [{ action: "push", host: "ghcr.io", repository: "utaitebox/utaitebox-server", tag: "3.2.1", digest: expect.stringMatching(/^sha256:7d38/) }];

  it.skipIf(!corpus)("when a delivery is form-encoded (payload=<json>), then it parses as the JSON one, and its signature is over the form bytes", () => {
    const form = `payload=${encodeURIComponent(text)}`;
    const request: WebhookRequest = {
      rawBody: Buffer.from(form),
      body: form,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-github-event": "package_v2",
        "x-hub-signature-256": `sha256=${createHmac("sha256", "s".repeat(20)).update(form).digest("hex")}`,
      },
      query: {},
    };
    expect(github.parse(request)).toEqual(expected);
    expect(github.verify(request, "s".repeat(20))).toBeUndefined();
  });

  it.skipIf(!corpus)("when the route hands the form over already split into fields, then the content type still finds payload in the raw bytes", () => {
    const form = `payload=${encodeURIComponent(text)}`;
    const request: WebhookRequest = {
      rawBody: Buffer.from(form),
      body: { payload: text },
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", "x-github-event": "package_v2" },
      query: {},
    };
    expect(github.parse(request)).toEqual(expected);
  });

  it("when a form has no payload field, or payload is not JSON, then it is a 400 naming payload", () => {
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    for (const form of ["action=published", "payload=%7Bnot-json"]) {
      const err = formatError(() => github.parse({ rawBody: Buffer.from(form), body: form, headers, query: {} }));
      expect(err.field).toBe("payload");
    }
  });

  it("when GitHub pings a new webhook, then the ping is ignored, with or without the event header", () => {
    const ping = { zen: "Design for failure.", hook_id: 1, hook: {} };
    expect(github.parse(json(ping, { "x-github-event": "ping" }))).toEqual([{ action: "other", ignored: "GitHub ping (webhook created)" }]);
    expect(github.parse(json(ping))).toEqual([{ action: "other", ignored: "GitHub ping (webhook created)" }]);
  });

  it("when the event is not a package event, then it is ignored by name", () => {
    expect(github.parse(json({ action: "opened" }, { "x-github-event": "pull_request" }))).toEqual([
      { action: "other", ignored: 'GitHub event "pull_request" is ignored' },
    ]);
  });

  it("when the package is npm, then it is not a container package", () => {
    const body = { action: "published", package: { name: "x", ecosystem: "npm", package_type: "npm", package_version: {} } };
    expect(github.parse(json(body, { "x-github-event": "package" }))).toEqual([{ action: "other", ignored: "not a container package (npm, npm)" }]);
  });

  it("when a GHCR package_url names a tag, then owner case is folded and the tag and manifest digest are kept", () => {
    const body = {
      action: "published",
      package: {
        name: "App",
        ecosystem: "CONTAINER",
        package_version: {
          name: DIGEST,
          package_url: "ghcr.io/Octo-Org/App:v2",
          container_metadata: { tag: { name: "v2", digest: DIGEST } },
        },
      },
    };
    expect(github.parse(json(body, { "x-github-event": "package" }))).toStrictEqual([
      { action: "push", host: "ghcr.io", repository: "octo-org/app", tag: "v2", digest: DIGEST },
    ]);
  });
});

describe("gar deliveries", () => {
  const gar = formatFor("gar");
  const envelope = (data: unknown) => ({ message: { data, messageId: "1", publishTime: "2024-01-01T00:00:00Z" }, subscription: "projects/p/subscriptions/s" });
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");

  it("when data is base64 JSON with tag and digest, then host, repository, tag and digest come out of the qualified names", () => {
    const data = {
      action: "INSERT",
      digest: `europe-docker.pkg.dev/my-proj/repo/team/image@${DIGEST}`,
      tag: "europe-docker.pkg.dev/my-proj/repo/team/image:1.2.3",
    };
    expect(gar.parse(json(envelope(b64(data))))).toStrictEqual([
      { action: "push", host: "europe-docker.pkg.dev", repository: "my-proj/repo/team/image", tag: "1.2.3", digest: DIGEST },
    ]);
  });

  it("when only a digest is inserted, then it is a push by digest; a DELETE is ignored", () => {
    expect(gar.parse(json(envelope(b64({ action: "INSERT", digest: `gcr.io/proj/app@${DIGEST}` }))))).toStrictEqual([
      { action: "push", host: "gcr.io", repository: "proj/app", digest: DIGEST, ignored: "push by digest without a tag" },
    ]);
    expect(gar.parse(json(envelope(b64({ action: "DELETE", tag: "gcr.io/proj/app:old" }))))).toStrictEqual([
      { action: "delete", host: "gcr.io", repository: "proj/app", tag: "old", ignored: "delete events are ignored" },
    ]);
  });

  it.each([
    ["data that is not base64", envelope("%%%not base64%%%"), "message.data"],
    ["base64 of something that is not JSON", envelope(Buffer.from("hello").toString("base64")), "message.data"],
    ["data naming neither tag nor digest", envelope(b64({ action: "INSERT" })), "message.data"],
    ["no message", { subscription: "x" }, "message"],
  ])("when the envelope has %s, then it is a 400 naming the field", (_what, body, field) => {
    expect(formatError(() => gar.parse(json(body))).field).toBe(field);
  });
});

describe("distrust", () => {
  it("when a distribution push names an uppercase repository or an invalid tag, then it is kept but ignored with the parser's reason", () => {
    const event = (repository: string, tag: string) => ({
      action: "push",
      target: { mediaType: "application/vnd.oci.image.manifest.v1+json", repository, tag, digest: DIGEST },
      request: { host: "registry.example.com" },
    });
    const [upper, badTag] = formatFor("distribution").parse(json({ events: [event("Team/App", "v1"), event("team/app", "-v1")] }));
    expect(upper).toMatchObject({ action: "push", repository: "Team/App", ignored: expect.stringMatching(/must be lowercase/) });
    expect(badTag).toMatchObject({ action: "push", tag: "-v1", ignored: expect.stringMatching(/tag/) });
  });

  it("when a distribution event has an unknown action or an OCI artifact manifest, then it is ignored with its own reason", () => {
    const events = [
      { action: "mount", target: { repository: "a/b", digest: DIGEST } },
      { action: "push", target: { mediaType: "application/vnd.oci.artifact.manifest.v1+json", repository: "a/b", tag: "sig" } },
    ];
    expect(formatFor("distribution").parse(json({ events })).map((e) => e.ignored)).toEqual([
      'distribution action "mount" is ignored',
      "push of application/vnd.oci.artifact.manifest.v1+json, not an image manifest",
    ]);
  });

  it("when a stated host is not something docker reads as a registry host, then it is dropped, not trusted", () => {
    const events = [{ action: "push", target: { mediaType: "application/vnd.oci.image.index.v1+json", repository: "a/b", tag: "v1", url: "not a url" }, request: { host: "bad host!" } }];
    expect(formatFor("distribution").parse(json({ events }))).toStrictEqual([{ action: "push", repository: "a/b", tag: "v1" }]);
  });

  it("when the host comes from target.url because the request has none, then it is the URL's host and port", () => {
    const events = [{ action: "push", target: { mediaType: "application/vnd.oci.image.index.v1+json", repository: "a/b", tag: "v1", url: "https://reg.example.com:5443/v2/a/b/manifests/v1" } }];
    expect(formatFor("distribution").parse(json({ events }))[0]?.host).toBe("reg.example.com:5443");
  });

  it("when a Harbor type is a name from Object.prototype, then it is an unknown type, not a crash", () => {
    expect(formatFor("harbor").parse(json({ type: "constructor", event_data: {} }))).toEqual([
      { action: "other", ignored: 'Harbor event type "constructor" is ignored' },
    ]);
  });

  it("when a Harbor tag differs from the digest, both are kept; a 40-hex 'digest' is dropped", () => {
    const body = {
      type: "PUSH_ARTIFACT",
      event_data: { resources: [{ digest: `sha256:${"a".repeat(40)}`, tag: "v1", resource_url: "h.example.com:8443/p/r:v1" }], repository: { repo_full_name: "p/r" } },
    };
    expect(formatFor("harbor").parse(json(body))).toStrictEqual([{ action: "push", host: "h.example.com:8443", repository: "p/r", tag: "v1" }]);
  });

  it("when a Docker Hub repo_name has one part, then it is an official image under library/", () => {
    const body = { push_data: { tag: "1.27" }, repository: { repo_name: "nginx" } };
    expect(formatFor("dockerhub").parse(json(body))).toStrictEqual([{ action: "push", host: "docker.io", repository: "library/nginx", tag: "1.27" }]);
  });

  it("when an ECR event comes from a China region, then the host is under amazonaws.com.cn; a bad account gives no host", () => {
    const event = (account: string) => ({
      "detail-type": "ECR Image Action",
      source: "aws.ecr",
      account,
      region: "cn-north-1",
      detail: { result: "SUCCESS", "repository-name": "app", "action-type": "PUSH", "image-tag": "v1" },
    });
    expect(formatFor("ecr").parse(json(event("123456789012")))[0]?.host).toBe("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn");
    expect(formatFor("ecr").parse(json(event("evil.com/x")))[0]).toStrictEqual({ action: "push", repository: "app", tag: "v1" });
  });

  it("when an ECR push failed, or the event is not from aws.ecr, then it is ignored", () => {
    const failed = { "detail-type": "ECR Image Action", source: "aws.ecr", detail: { result: "FAILURE", "repository-name": "app", "action-type": "PUSH", "image-tag": "v1" } };
    expect(formatFor("ecr").parse(json(failed))[0]?.ignored).toBe("push result FAILURE, not SUCCESS");
    expect(formatFor("ecr").parse(json({ "detail-type": "x", source: "aws.s3", detail: {} }))[0]?.ignored).toBe('EventBridge source "aws.s3" is not aws.ecr');
  });

  it("when Nexus sends a maven component or an asset event, then it is ignored", () => {
    const nexus = formatFor("nexus");
    expect(nexus.parse(json({ action: "CREATED", component: { format: "maven2", name: "x", version: "1" } }))[0]?.ignored).toBe("not a docker component (maven2)");
    expect(nexus.parse(json({ action: "CREATED", asset: { format: "docker", name: "v2/x/manifests/1" } }))[0]?.ignored).toMatch(/asset events/);
  });

  it("when JFrog sends an artifact-domain event or a promotion, then it is ignored; a short sha256 is not a digest", () => {
    const jfrog = formatFor("jfrog");
    expect(jfrog.parse(json({ domain: "artifact", event_type: "deployed", data: {} }))[0]?.ignored).toBe("JFrog artifact events are ignored");
    const promoted = { domain: "docker", event_type: "promoted", data: { image_name: "a/b", tag: "1", sha256: "abc" } };
    expect(jfrog.parse(json(promoted))).toStrictEqual([{ action: "other", repository: "a/b", tag: "1", ignored: 'JFrog docker "promoted" events are ignored' }]);
  });

  it("when ACR's portal pings the webhook, then the ping (no target) is ignored", () => {
    expect(formatFor("acr").parse(json({ id: "1", action: "ping" }))).toStrictEqual([{ action: "other", ignored: 'ACR action "ping" is ignored' }]);
  });

  it("when Quay's updated_tags is empty, then nothing refreshes", () => {
    expect(formatFor("quay").parse(json({ repository: "ns/r", docker_url: "quay.io/ns/r", updated_tags: [] }))).toStrictEqual([
      { action: "push", host: "quay.io", repository: "ns/r", ignored: "push without updated tags" },
    ]);
  });
});

describe("wrong shapes are 400s naming the field", () => {
  it.each(WEBHOOK_FORMATS.map((f) => [f.name, f] as const))("when %s is given a JSON array, a number or null, then it names body", (_name, format) => {
    for (const body of [[], 42, null]) {
      const err = formatError(() => format.parse(json(body)));
      expect(err.field).toBe("body");
      expect(err.status).toBe(400);
      expect(err.code).toBe("BAD_REQUEST");
    }
  });

  it.each([
    ["dockerhub", {}, "repository"],
    ["dockerhub", { repository: { repo_name: "a/b" } }, "push_data"],
    ["harbor", {}, "type"],
    ["harbor", { type: "PUSH_ARTIFACT" }, "event_data"],
    ["harbor", { specversion: "1.0", type: "harbor.artifact.pushed", data: { resources: [{ tag: "v1" }] } }, "data.repository.repo_full_name"],
    ["harbor", { type: "PUSH_ARTIFACT", event_data: { resources: [] } }, "event_data.resources"],
    ["harbor", { type: "PUSH_ARTIFACT", event_data: { resources: [{ tag: 1 }], repository: { repo_full_name: "a/b" } } }, "event_data.resources[0].tag"],
    ["distribution", { events: [{ action: "push" }] }, "events[0].target"],
    ["distribution", { events: [{ target: {} }] }, "events[0].action"],
    ["quay", { repository: { name: "x" } }, "repository"],
    ["quay", { repository: "a/b", updated_tags: "latest" }, "updated_tags"],
    ["ghcr", { action: "published" }, "package"],
    ["acr", { target: {} }, "action"],
    ["acr", { action: "push", target: { tag: "v1" } }, "target.repository"],
    ["ecr", { source: "aws.ecr" }, "detail-type"],
    ["ecr", { "detail-type": "ECR Image Action", source: "aws.ecr", detail: { "action-type": "PUSH", result: "SUCCESS" } }, "detail.repository-name"],
    ["gar", { message: { data: { tag: "gcr.io/a/b:c" } } }, "message.data.action"],
    ["jfrog", { domain: "docker", event_type: "pushed" }, "data"],
    ["jfrog", { domain: "docker", event_type: "pushed", data: { tag: "1" } }, "data.image_name"],
    ["nexus", { action: "CREATED" }, "component"],
    ["nexus", { action: "CREATED", component: { name: "a/b", version: "1" } }, "component.format"],
  ])("when the %s format gets %j, then the 400 names %s", (kind, body, field) => {
    expect(formatError(() => formatFor(kind).parse(json(body))).field).toBe(field);
  });

  it.skipIf(!corpus)("when a Docker Hub payload is sent to a Harbor registry's URL, then it is a 400, not a misread", () => {
    const text = payload("dockerhub-push-1.json");
    expect(formatError(() => formatFor("harbor").parse(json(JSON.parse(text)))).field).toBe("type");
    expect(formatError(() => formatFor("quay").parse(json(JSON.parse(text)))).field).toBe("repository");
  });
});
