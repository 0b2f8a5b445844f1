// Webhook deliveries of every format, from the real payloads of the shared corpus (read in place
// through test/helpers/corpus.ts, never copied), delivered as each sender authenticates (shared secret
// in a header or ?secret=, GitHub's and Nexus' HMAC signatures, JFrog's header) or not, and
// mutated: JSON-aware (a field of the wrong type, missing, extra, hostile) or byte-wise.
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { corpusPath } from "../helpers/corpus.js";
import { pct } from "./common.js";
import { anyValue, headerText, hostileString } from "./hostile.js";
import type { FuzzRequest } from "./request.js";
import { NO_HOOK_REGISTRY, WEBHOOK_SECRET } from "./stack.js";

/** The corpus' sender prefix → the registry kinds whose format reads it. */
const KINDS_OF_SENDER: Record<string, string[]> = {
  dockerhub: ["dockerhub"],
  harbor: ["harbor"],
  harborv1: ["harbor"],
  distribution: ["distribution", "gitlab", "generic"],
  gitlab: ["gitlab", "distribution"],
  quay: ["quay"],
  github: ["ghcr"],
  acr: ["acr"],
  ecr: ["ecr"],
  gcr: ["gar"],
  gar: ["gar"],
  jfrog: ["jfrog"],
  nexus: ["nexus"],
};

interface Payload {
  file: string;
  sender: string;
  bytes: Buffer;
}

export function readPayloads(dir = corpusPath("webhooks")): Payload[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  if (!files.length) throw new Error(`no webhook payloads in ${dir}: set REGOPS_CORPUS_DIR`);
  return files.map((file) => ({ file, sender: file.split("-")[0]!, bytes: readFileSync(join(dir, file)) }));
}

type Auth = "right" | "wrong" | "missing";

function mutateJson(bytes: Buffer): fc.Arbitrary<Buffer> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return fc.constant(bytes);
  }
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    paths.push(at);
    if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...at, Array.isArray(v) ? Number(k) : k]);
  };
  walk(value, []);
  return fc.tuple(fc.nat({ max: paths.length - 1 }), fc.constantFrom("replace", "delete", "extra"), anyValue).map(([i, how, v]) => {
    const copy = JSON.parse(bytes.toString("utf8")) as unknown;
    const at = paths[i]!;
    if (!at.length) return Buffer.from(JSON.stringify(how === "extra" ? [copy, v] : v) ?? "");
    let parent = copy as Record<string | number, unknown>;
    for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const last = at[at.length - 1]!;
    if (how === "delete") delete parent[last];
    else if (how === "extra") Object.defineProperty(parent, typeof last === "number" ? "__proto__" : `${last}_x`, { value: v, enumerable: true });
    else parent[last] = v;
    return Buffer.from(JSON.stringify(copy) ?? "");
  });
}

function mutateBytes(bytes: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.nat({ max: bytes.length }).map((i) => bytes.subarray(0, i)),
    fc.tuple(fc.nat({ max: bytes.length }), fc.constantFrom([0], [0xff], [0xed, 0xa0, 0x80], [0xc3], [0x7b], [0x22])).map(([i, ins]) => Buffer.concat([bytes.subarray(0, i), Buffer.from(ins), bytes.subarray(i)])),
    fc.constant(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])),
    fc.constant(Buffer.alloc(1024 * 1024 + 1, 0x20)),
    hostileString.map((s) => Buffer.from(s)),
  );
}

const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/cloudevents+json",
  "application/vnd.docker.distribution.events.v1+json",
  "application/vnd.docker.distribution.events.v2+json",
  "application/x-www-form-urlencoded",
  "text/plain",
  "",
);

function authenticate(kind: string, body: Buffer, auth: Auth, style: number): { headers: Record<string, string>; query: string } {
  if (auth === "missing") return { headers: {}, query: "" };
  const secret = auth === "right" ? WEBHOOK_SECRET : `${WEBHOOK_SECRET}-not`;
  const hmac = (alg: string) => createHmac(alg, secret).update(body).digest("hex");
  switch (kind) {
    case "ghcr":
      return { headers: { "x-hub-signature-256": `sha256=${style % 3 === 2 ? hmac("sha256").toUpperCase() : hmac("sha256")}` }, query: style % 4 === 3 ? `?secret=${pct(secret)}` : "" };
    case "nexus":
      return { headers: { "x-nexus-webhook-signature": hmac("sha1") }, query: "" };
    case "jfrog":
      return { headers: { "x-jfrog-event-auth": style % 2 ? hmac("sha256") : secret }, query: "" };
    default:
      switch (style % 3) {
        case 0: return { headers: { authorization: `Bearer ${secret}` }, query: "" };
        case 1: return { headers: { authorization: secret }, query: "" };
        default: return { headers: {}, query: `?secret=${pct(secret)}` };
      }
  }
}

export function webhookRequests(registryIds: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const payloads = readPayloads();
  const one = payloads.map((p) => {
    const kinds = KINDS_OF_SENDER[p.sender] ?? ["generic"];
    const registry = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...kinds) },
      { weight: 1, arbitrary: fc.constantFrom(...registryIds, NO_HOOK_REGISTRY) },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,62}$/) },
      { weight: 1, arbitrary: hostileString.map((s) => pct(s)) },
    );
    const body = fc.oneof(
      { weight: 3, arbitrary: fc.constant(p.bytes) },
      { weight: 4, arbitrary: mutateJson(p.bytes) },
      { weight: 2, arbitrary: mutateBytes(p.bytes) },
    );
    return fc
      .record({
        registry,
        body,
        auth: fc.constantFrom<Auth>("right", "right", "right", "right", "right", "wrong", "missing"),
        style: fc.nat({ max: 11 }),
        contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(p.sender === "harbor" && p.bytes.includes("specversion") ? "application/cloudevents+json" : "application/json") }, { weight: 1, arbitrary: contentTypes }),
        event: fc.constantFrom("package", "registry_package", "package_v2", "ping", "push", undefined),
        // Key-authenticated callers send API keys too; the route ignores them.
        extra: fc.option(fc.record({ "x-nexus-webhook-id": fc.constantFrom("rm:repository:component", "rm:repository:asset"), "user-agent": headerText }), { freq: 3 }),
        trailing: fc.constantFrom("", "", "", "&secret=x", "&secret=", "?a=1"),
      })
      .map((r) => {
        const kind = r.registry;
        let body = r.body;
        if (r.contentType === "application/x-www-form-urlencoded" && kind === "ghcr") body = Buffer.from(`payload=${pct(body.toString("utf8"))}`);
        const signed = authenticate(kind, body, r.auth, r.style);
        const headers: Record<string, string> = { ...signed.headers, ...(r.extra ?? {}) };
        if (r.contentType) headers["content-type"] = r.contentType;
        if (kind === "ghcr" && r.event) headers["x-github-event"] = r.event;
        const query = signed.query ? signed.query + r.trailing.replace(/^\?/, "&") : r.trailing.replace(/^&/, "?");
        return {
          label: "webhook POST /v1/webhooks/{registryId}",
          note: `${p.file} → ${registryIds.includes(kind) || kind === NO_HOOK_REGISTRY ? kind : "(another id)"}`,
          method: "POST",
          path: `/v1/webhooks/${kind}${query}`,
          identity: "none" as const,
          authForm: "bearer" as const,
          headers,
          body,
        };
      });
  });
  return fc.oneof(...one);
}
