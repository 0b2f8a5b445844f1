// Every registry webhook payload of the corpus' webhooks/ (read in place, test/helpers/corpus.ts;
// see its SOURCES.md) through the
// parser of its sender's registry kind: the normalized events expected, the ignore reasons,
// or, for the 4 files that are not JSON as published, that JSON.parse refuses them (the route
// answers 400) and what the parser makes of the body once the publishing error is repaired.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  formatFor,
  WEBHOOK_FORMATS,
  WebhookFormatError,
  type WebhookEvent,
  type WebhookRequest,
} from "../../src/webhooks/formats/index.js";
import { corpus, corpusPath } from "../helpers/corpus.js";

const webhooks = () => corpusPath("webhooks");
const FORMATS_DIR = new URL("../../src/webhooks/formats/", import.meta.url);

interface Case {
  /** The registry kind configured for the sender. */
  kind: string;
  headers?: Record<string, string>;
  /** The file is not valid JSON as published. */
  invalidJson?: true;
  /** For invalid files: the smallest repair of the publishing error, to test the parser on the body. */
  repair?: (text: string) => string;
  events?: WebhookEvent[];
  /** The file is JSON but not a delivery of its format (a fragment): WebhookFormatError naming this field. */
  formatError?: string;
}

// Digests as they appear in the corpus.
const D = {
  acrHello: "sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d",
  fea8: "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf",
  layerD5: "sha256:3b3692957d439ac1928219a83fac91e7bf96c153725526874673ae1f2023f8d5",
  layerD6: "sha256:3b3692957d439ac1928219a83fac91e7bf96c153725526874673ae1f2023f8d6",
  gar: "sha256:54bc0fead59f304f1727280c3b520aeea7b9e6fd405b7a6ee1dddc8d78044516",
  ghcrVersion: "sha256:3da1996a8115d7616457760d9920b815241d0a03b34cf5f04e9a0e9d8de37498",
  ghcrBeta: "sha256:7d3848ba2f2e7f69bebb4b576e5fad0379b64a0b1512aee6ad0ec9e7c6319fed",
  gitlabRoot: "sha256:af06af3514c44a964d3b905b498cf6493db8f1cde7c10e078213a89c87308ba0",
  gitlabKeel: "sha256:4afff550708506c5b8b7384ad10d401a02b29ed587cb2730cb02753095b5178d",
  alpine954: "sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4",
  alpine38: "sha256:2bb501e6173d9d006e56de5bce2720eb06396803300fe1687b58a7ff32bf4c14",
  zulipDelete: "sha256:59856107563b1e1b2e48c8635e5cb44fa9b194f6a425e0b668917602213bb5b4",
  busybox: "sha256:dde8e930c7b6a490f728e66292bc9bce42efc9bbb5278bae40e4f30f6e00fe8c",
  debian: "sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8",
  rumput: "sha256:76525f02955aec223342400a080c73024c995c9db1ba2eabf7505cf3bdf3f1f0",
  zulipPush: "sha256:d72f37f783ed6a8d58ac70b4db052707d1ec9d4ea010ef5ccd84652faf9ed844",
  quotaExceed: "sha256:402d21757a03a114d273bbe372fa4b9eca567e8b6c332fa7ebf982b902207242",
  quotaWarn: "sha256:514ec80ffbe1a2ab1d9a3d5e6082296296a1d8b6870246edf897228e5df2367d",
  helm: "sha256:b50334049354ed01330403212605dce2f4676a4e787ed113506861d9cf3c5424",
  scanFailed: "sha256:dabea2944dcc2b86482b4f0b0fb62da80e0673e900c46c0e03b45919881a5d84",
  scanStopped: "sha256:e802987f152d7826cf929ad4999fb3bb956ce7a30966aeb46c749f9120eaf22c",
  harborV1: "sha256:e4355b66995c96b4b468159fc5c7e3540fcef961189ca13fee877798649f531a",
  ubuntuList: "sha256:35c4a2c15539c6c1e4e5fa4e554dac323ad0107d8eb5c582d6ff386b383b7dce",
};

const ECR_USW2 = "123456789012.dkr.ecr.us-west-2.amazonaws.com";
const ECR_USE1 = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const BY_DIGEST = "push by digest without a tag";
const LAYER = "layer push (blob), not a manifest";
const PULL = "pull events are ignored";
const DELETE = "delete events are ignored";
const SCAN = "scan results are ignored";

const harborScan = (host: string, digest: string): WebhookEvent[] => [
  { action: "scan", host, repository: "harbor/alpine", digest, ignored: SCAN },
];
const distributionDocsPush = (manifestDigest: string | undefined, layers: (string | undefined)[]): WebhookEvent[] => [
  {
    action: "push",
    host: "registrycluster.local",
    repository: "library/test",
    ...(manifestDigest === undefined ? {} : { digest: manifestDigest }),
    ignored: BY_DIGEST,
  },
  ...layers.map((digest) => ({
    action: "push",
    host: "registrycluster.local",
    repository: "library/test",
    ...(digest === undefined ? {} : { digest }),
    ignored: LAYER,
  })),
];

const CASES: Record<string, Case> = {
  // Azure ACR
  "acr-push-1.json": {
    kind: "acr",
    events: [{ action: "push", host: "myregistry.azurecr.io", repository: "hello-world", tag: "v1", digest: D.acrHello }],
  },
  // "sha256:xxxx…" redactions are not digests.
  "acr-push-2.json": { kind: "acr", events: [{ action: "push", host: "myregistry.azurecr.io", repository: "hello-world", tag: "v1" }] },
  "acr-delete-1.json": {
    kind: "acr",
    events: [{ action: "delete", host: "myregistry.azurecr.io", repository: "hello-world", digest: D.acrHello, ignored: DELETE }],
  },
  "acr-delete-2.json": { kind: "acr", events: [{ action: "delete", host: "myregistry.azurecr.io", repository: "hello-world", ignored: DELETE }] },
  "acr-chart_push-1.json": { kind: "acr", events: [{ action: "chart", repository: "repo", ignored: "Helm chart events are ignored" }] },
  "acr-chart_delete-1.json": { kind: "acr", events: [{ action: "chart", repository: "repo", ignored: "Helm chart events are ignored" }] },

  // CNCF distribution
  "distribution-pull-1.json": {
    kind: "distribution",
    events: [{ action: "pull", host: "192.168.100.227:5000", repository: "hello-world", tag: "latest", digest: D.fea8, ignored: PULL }],
  },
  // Only the docs' `target` object, not an envelope.
  "distribution-delete-1.json": { kind: "distribution", formatError: "events" },
  // The layer digests of the docs example have 65 hex characters.
  "distribution-push-1.json": { kind: "distribution", events: distributionDocsPush(D.fea8, [undefined, undefined]) },
  // Test envelopes: the manifest digest is a 17-character placeholder, the layers' are real-looking.
  "distribution-push-2.json": { kind: "generic", events: distributionDocsPush(undefined, [D.layerD5, D.layerD6]) },
  "distribution-push-3.json": { kind: "distribution", events: distributionDocsPush(undefined, [D.layerD5, D.layerD6]) },

  // GitLab container registry (distribution format)
  "gitlab-push-1.json": {
    kind: "gitlab",
    events: [{ action: "push", host: "registry.test:5000", repository: "root/test", tag: "latest", digest: D.gitlabRoot }],
  },
  "gitlab-push-2.json": {
    kind: "gitlab",
    events: [{ action: "push", host: "registry.git.erxes.io", repository: "foo/bar", tag: "1.6.1", digest: D.gitlabKeel }],
  },
  "gitlab-push-3.json": {
    kind: "gitlab",
    events: [{ action: "push", host: "registry.git.erxes.io", repository: "shinebayar-g/a", tag: "0.01", digest: D.gitlabKeel }],
  },

  // Docker Hub: no digest, ever.
  "dockerhub-push-1.json": { kind: "dockerhub", events: [{ action: "push", host: "docker.io", repository: "svendowideit/testhook", tag: "latest" }] },
  "dockerhub-push-2.json": { kind: "dockerhub", events: [{ action: "push", host: "docker.io", repository: "svendowideit/testhook", tag: "latest" }] },
  "dockerhub-push-3.json": { kind: "dockerhub", events: [{ action: "push", host: "docker.io", repository: "karolisr/keel", tag: "0.1.7" }] },

  // AWS ECR via EventBridge: the docs digest has 60 hex characters.
  "ecr-push-1.json": { kind: "ecr", events: [{ action: "push", host: ECR_USW2, repository: "my-repository-name", tag: "latest" }] },
  "ecr-delete-1.json": {
    kind: "ecr",
    events: [{ action: "delete", host: ECR_USW2, repository: "my-repository-name", tag: "latest", ignored: DELETE }],
  },
  "ecr-scan-1.json": { kind: "ecr", events: [{ action: "scan", host: ECR_USE1, repository: "my-repository-name", ignored: SCAN }] },
  "ecr-scan_resource_change-1.json": {
    kind: "ecr",
    events: [{ action: "other", host: ECR_USE1, ignored: 'ECR "ECR Scan Resource Change" events are ignored' }],
  },

  // Google via Pub/Sub push
  // The docs write "$PROJECT" for the project id: not a repository name, so no refresh.
  "gar-pubsub_push-2.json": {
    kind: "gar",
    events: [
      {
        action: "push",
        host: "us-west1-docker.pkg.dev",
        repository: "$PROJECT/repo/image",
        tag: "latest",
        digest: D.gar,
        ignored:
          'invalid image reference "us-west1-docker.pkg.dev/$PROJECT/repo/image:latest": repository name "$PROJECT/repo/image" must be lowercase',
      },
    ],
  },
  // A stray "}" after the envelope; the base64 data is tag-only.
  "gcr-pubsub_push-1.json": {
    kind: "gar",
    invalidJson: true,
    repair: (text) => text.trimEnd().replace(/}$/, ""),
    events: [{ action: "push", host: "us.gcr.io", repository: "am/am.kebab.api", tag: "test" }],
  },

  // GitHub Packages / GHCR
  // tag.name "" (package_url ends with ":"); the 40-hex "digests" are not digests, the version name is.
  "github-package_published-1.json": {
    kind: "ghcr",
    headers: { "x-github-event": "package" },
    events: [{ action: "push", host: "ghcr.io", repository: "codertocat/hello-world", digest: D.ghcrVersion, ignored: BY_DIGEST }],
  },
  "github-registry_package_published-1.json": {
    kind: "ghcr",
    headers: { "x-github-event": "registry_package" },
    events: [{ action: "push", host: "ghcr.io", repository: "codertocat/hello-world", digest: D.ghcrVersion, ignored: BY_DIGEST }],
  },
  // 2019 docker.pkg.github.com: the tag is package_version.version, the image registry.url + name.
  "github-registry_package_published-2.json": {
    kind: "ghcr",
    headers: { "x-github-event": "registry_package" },
    events: [{ action: "push", host: "docker.pkg.github.com", repository: "dingggu/utaitebox/server", tag: "1.2.3" }],
  },
  // GHCR beta: neither package_url nor registry; namespace + name on ghcr.io.
  "github-package_create-1.json": {
    kind: "ghcr",
    headers: { "x-github-event": "package_v2" },
    events: [{ action: "push", host: "ghcr.io", repository: "utaitebox/utaitebox-server", tag: "3.2.1", digest: D.ghcrBeta }],
  },

  // Harbor 2.x, Default and CloudEvents
  "harbor-push_artifact-1.json": {
    kind: "harbor",
    events: [{ action: "push", host: "localhost", repository: "harbor/alpine", digest: D.alpine954, ignored: BY_DIGEST }],
  },
  "harbor-push_artifact-2.json": {
    kind: "harbor",
    invalidJson: true,
    repair: (text) => text.replace(/^\s*\/\/.*\n/gm, ""),
    events: [{ action: "push", host: "localhost", repository: "harbor/alpine", digest: D.alpine954, ignored: BY_DIGEST }],
  },
  "harbor-push_artifact-3.json": {
    kind: "harbor",
    events: [{ action: "push", host: "hub.harbor.com", repository: "test-webhook/debian", tag: "latest", digest: D.debian }],
  },
  "harbor-push_artifact-4.json": {
    kind: "harbor",
    events: [{ action: "push", host: "hb.nicolas.my.id", repository: "library/rumput", tag: "v1", digest: D.rumput }],
  },
  "harbor-push_artifact-5.json": {
    kind: "harbor",
    events: [{ action: "push", host: "harbor.example.com", repository: "example/test", tag: "latest", digest: D.zulipPush }],
  },
  "harbor-pull_artifact-1.json": {
    kind: "harbor",
    events: [{ action: "pull", host: "localhost", repository: "harbor/alpine", digest: D.alpine954, ignored: PULL }],
  },
  "harbor-pull_artifact-2.json": {
    kind: "harbor",
    invalidJson: true,
    repair: (text) => text.replace(/("requestid": "[^"]*")\n/, "$1,\n"),
    events: [{ action: "pull", host: "localhost", repository: "harbor/alpine", digest: D.alpine954, ignored: PULL }],
  },
  "harbor-pull_artifact-3.json": {
    kind: "harbor",
    events: [{ action: "pull", host: "harbor.dev", repository: "library/busybox", digest: D.busybox, ignored: PULL }],
  },
  "harbor-delete_artifact-1.json": {
    kind: "harbor",
    events: [{ action: "delete", host: "localhost", repository: "harbor/alpine", tag: "3.8", digest: D.alpine38, ignored: DELETE }],
  },
  "harbor-delete_artifact-2.json": {
    kind: "harbor",
    events: [{ action: "delete", host: "localhost", repository: "harbor/alpine", tag: "3.8", digest: D.alpine38, ignored: DELETE }],
  },
  "harbor-delete_artifact-3.json": {
    kind: "harbor",
    events: [{ action: "delete", host: "harbor.example.com", repository: "example/test", tag: "latest", digest: D.zulipDelete, ignored: DELETE }],
  },
  "harbor-scanning_completed-1.json": { kind: "harbor", events: harborScan("localhost", D.alpine954) },
  "harbor-scanning_completed-2.json": { kind: "harbor", events: harborScan("localhost", D.alpine954) },
  "harbor-scanning_completed-3.json": {
    kind: "harbor",
    events: [{ action: "scan", host: "harbor.xxx.xxxx.com", repository: "test/alpine/helm", tag: "3.8.1", digest: D.helm, ignored: SCAN }],
  },
  "harbor-scanning_failed-1.json": { kind: "harbor", events: harborScan("localhost", D.scanFailed) },
  "harbor-scanning_failed-2.json": { kind: "harbor", events: harborScan("localhost", D.scanFailed) },
  "harbor-scanning_stopped-1.json": { kind: "harbor", events: harborScan("localhost", D.scanStopped) },
  "harbor-scanning_stopped-2.json": { kind: "harbor", events: harborScan("localhost", D.scanStopped) },
  "harbor-quota_exceed-1.json": {
    kind: "harbor",
    events: [{ action: "quota", repository: "harbor/alpine", digest: D.quotaExceed, ignored: "quota events are ignored" }],
  },
  "harbor-quota_exceed-2.json": {
    kind: "harbor",
    events: [{ action: "quota", repository: "harbor/alpine", digest: D.quotaExceed, ignored: "quota events are ignored" }],
  },
  "harbor-quota_warning-1.json": {
    kind: "harbor",
    events: [{ action: "quota", repository: "harbor/alpine", digest: D.quotaWarn, ignored: "quota events are ignored" }],
  },
  "harbor-quota_warning-2.json": {
    kind: "harbor",
    events: [{ action: "quota", repository: "harbor/alpine", digest: D.quotaWarn, ignored: "quota events are ignored" }],
  },
  "harbor-replication-1.json": { kind: "harbor", events: [{ action: "replication", ignored: "replication events are ignored" }] },
  "harbor-replication-2.json": { kind: "harbor", events: [{ action: "replication", ignored: "replication events are ignored" }] },
  "harbor-tag_retention-1.json": { kind: "harbor", events: [{ action: "retention", ignored: "tag retention events are ignored" }] },
  "harbor-tag_retention-2.json": { kind: "harbor", events: [{ action: "retention", ignored: "tag retention events are ignored" }] },

  // Harbor 1.x: the 1.10 docs' shape (no host, image_id is not a digest) and a real delivery.
  "harborv1-pushImage-1.json": { kind: "harbor", events: [{ action: "push", repository: "prj/repo1", tag: "latest" }] },
  "harborv1-pushImage-2.json": {
    kind: "harbor",
    events: [{ action: "push", host: "demo.goharbor.io", repository: "test123/alpine", tag: "3.10", digest: D.harborV1 }],
  },

  // JFrog Artifactory: no host; data.sha256 is the manifest list's digest.
  "jfrog-docker_pushed-1.json": { kind: "jfrog", events: [{ action: "push", repository: "library/ubuntu", tag: "latest", digest: D.ubuntuList }] },

  // Sonatype Nexus: no host, no digest.
  "nexus-component_created-1.json": { kind: "nexus", events: [{ action: "push", repository: "app1/alpine", tag: "3.4" }] },

  // Quay: no digest; the legacy object form names the same tag.
  "quay-repo_push-1.json": { kind: "quay", events: [{ action: "push", host: "quay.io", repository: "mynamespace/repository", tag: "latest" }] },
  "quay-repo_push-2.json": { kind: "quay", events: [{ action: "push", host: "quay.io", repository: "mynamespace/repository", tag: "latest" }] },
  "quay-repo_push-3.json": { kind: "quay", events: [{ action: "push", host: "quay.io", repository: "hiddeco/foo", tag: "3.10" }] },
  "quay-build_success-1.json": {
    kind: "quay",
    invalidJson: true,
    repair: (text) => text.replace(/\s*\/\/ Optional$/gm, ""),
    events: [{ action: "build", host: "quay.io", repository: "mynamespace/repository", ignored: "build events are ignored" }],
  },
  "quay-vulnerability_found-1.json": {
    kind: "quay",
    events: [{ action: "scan", host: "quay.io", repository: "mynamespace/repository", ignored: SCAN }],
  },
};

function corpusText(file: string): string {
  return readFileSync(corpusPath("webhooks", file), "utf8");
}

function request(text: string, headers: Record<string, string> = {}): WebhookRequest {
  return { rawBody: Buffer.from(text, "utf8"), body: JSON.parse(text) as unknown, headers, query: {} };
}

function parseCorpus(file: string, c: Case): WebhookEvent[] {
  const text = corpusText(file);
  return formatFor(c.kind).parse(request(c.repair ? c.repair(text) : text, c.headers));
}

describe.skipIf(!corpus)("webhook formats, on the corpus of real and documented payloads", () => {
  it("when the corpus directory is listed, then the table has exactly its files", () => {
    const files = readdirSync(webhooks()).filter((f) => f.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThan(0);
    expect(Object.keys(CASES).sort()).toEqual(files);
  });

  it.each(Object.entries(CASES).filter(([, c]) => c.events && !c.invalidJson))(
    "when %s is parsed, then it becomes the expected events",
    (file, c) => {
      expect(parseCorpus(file, c)).toStrictEqual(c.events);
    },
  );

  it.each(Object.entries(CASES).filter(([, c]) => c.invalidJson))(
    "when %s is read, then it is not JSON (400); repaired, it becomes the expected events",
    (file, c) => {
      expect(() => JSON.parse(corpusText(file))).toThrow(SyntaxError);
      expect(c.repair).toBeDefined();
      expect(parseCorpus(file, c)).toStrictEqual(c.events);
    },
  );

  it.each(Object.entries(CASES).filter(([, c]) => c.formatError))(
    "when %s is parsed, then it is refused as not this format, naming the field",
    (file, c) => {
      const text = corpusText(file);
      const err = catchError(() => formatFor(c.kind).parse(request(text, c.headers)));
      expect(err).toBeInstanceOf(WebhookFormatError);
      expect((err as WebhookFormatError).field).toBe(c.formatError);
      expect((err as WebhookFormatError).status).toBe(400);
    },
  );

  it("when any corpus payload is parsed, then only tagged pushes with a valid digest or none are left un-ignored", () => {
    const refreshing: string[] = [];
    for (const [file, c] of Object.entries(CASES)) {
      if (c.formatError) continue;
      for (const event of parseCorpus(file, c)) {
        expect(Object.values(event)).not.toContain(undefined);
        if (event.digest !== undefined) expect(event.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
        if (event.ignored !== undefined) continue;
        expect(event.action).toBe("push");
        expect(event.repository).toMatch(/^[a-z0-9]/);
        expect(event.tag).toMatch(/^\w[\w.-]{0,127}$/);
        refreshing.push(file);
      }
    }
    // 3 Docker Hub, 3 GitLab, 5 Harbor (3 2.x, 2 1.x), 3 Quay, 2 GitHub, 2 ACR, 1 ECR, 1 GCR (repaired), 1 JFrog, 1 Nexus.
    expect(refreshing).toHaveLength(22);
  });
});

describe("webhook formats, the registry kind → format table", () => {
  it.each([
    ["dockerhub", "dockerhub"],
    ["harbor", "harbor"],
    ["distribution", "distribution"],
    ["gitlab", "distribution"],
    ["generic", "distribution"],
    ["quay", "quay"],
    ["ghcr", "github"],
    ["acr", "acr"],
    ["ecr", "ecr"],
    ["gar", "gar"],
    ["jfrog", "jfrog"],
    ["nexus", "nexus"],
  ])("when the registry kind is %s, then the %s format parses its webhooks", (kind, name) => {
    expect(formatFor(kind).name).toBe(name);
  });

  it.each(["", "docker", "constructor", "__proto__", "toString"])("when the kind is %j, then there is no format", (kind) => {
    expect(() => formatFor(kind)).toThrow(/no webhook format/);
  });

  it("when the formats directory is listed, then every format file is registered under its own name", () => {
    const helpers = new Set(["types.ts", "error.ts", "fields.ts", "event.ts", "image-name.ts", "secret.ts", "index.ts"]);
    const files = readdirSync(FORMATS_DIR).filter((f) => f.endsWith(".ts") && !helpers.has(f));
    expect(files.map((f) => f.replace(/\.ts$/, "")).sort()).toEqual(WEBHOOK_FORMATS.map((f) => f.name).sort());
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}
