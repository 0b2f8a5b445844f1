// A registry that tries to get its credentials sent elsewhere, and an "attacker" server that
// records every request it receives. The registry serves one small image under any repository
// (tag v1) and misbehaves by repository name:
//   upload/*       upload and mount Locations point at the attacker
//   redirect/*     blob GETs answer 307 to the attacker, which serves the right bytes
//   challenge/*    blob GETs answer 307 to the attacker, which answers 401 with its own Bearer realm
//   loop/*         blob GETs redirect to themselves, forever
//   pages/*        the tag list's Link points at the attacker
//   endless/*      tag list pages that never end (same origin, a new `last` each time)
//   hugetags/*     one tag list page without end
//   hugemanifest/* a manifest without end
//   hugeerror/*    a 404 whose body has no end
// Endless bodies are written with back-pressure, so `sent()` tells how much the client read.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

export interface Canary {
  username: string;
  password: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Attacker {
  origin: string;
  requests: RecordedRequest[];
  /** Requests that carried the canary password, a Basic header made from it, or a token the registry issued. */
  leaks(canary: Canary, tokens: string[]): RecordedRequest[];
  close(): Promise<void>;
}

export interface HostileRegistry {
  /** host:port, as references name it. */
  host: string;
  url: string;
  /** The bearer token its /token issues (a credential too: it must not reach the attacker). */
  token: string;
  /** Bytes written into endless bodies so far. */
  sent(): number;
  close(): Promise<void>;
}

export interface HostileOptions {
  canary: Canary;
  attacker: Attacker;
  /** basic (the default) or bearer with this realm; "own" is the registry's own /token. */
  realm?: "own" | string;
  /** /token answers without end. */
  endlessToken?: boolean;
  tls?: { certPem: string; keyPem: string };
}

// One tiny image, the same for every repository.
const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", created: "2026-01-01T00:00:00Z", config: {}, rootfs: { type: "layers", diff_ids: [] } }));
const layer = randomBytes(2048);
const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
export const BLOBS = new Map<string, Buffer>([
  [sha(config), config],
  [sha(layer), layer],
]);
const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha(config), size: config.length },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(layer), size: layer.length }],
  }),
);
export const MANIFEST_DIGEST = sha(manifest);

const HARD_STOP = 256 * 1024 * 1024;

async function listen(server: http.Server, tls: boolean): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    req.on("error", () => resolve(""));
  });
}

/** Writes `head`, then `filler` over and over, as fast as the client reads, until it goes away. */
function endless(res: http.ServerResponse, head: string, filler: string, count: (n: number) => void): void {
  const chunk = Buffer.from(filler.repeat(Math.ceil(65536 / filler.length)));
  let written = 0;
  let closed = false;
  res.on("close", () => (closed = true));
  const pump = () => {
    while (!closed && written < HARD_STOP) {
      written += chunk.length;
      count(chunk.length);
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    if (!closed) res.end();
  };
  res.write(head);
  pump();
}

export async function startAttacker(): Promise<Attacker> {
  const requests: RecordedRequest[] = [];
  let origin = "";
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const path = req.url ?? "/";
    const blob = /^\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (blob && BLOBS.has(blob[1]!)) return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(BLOBS.get(blob[1]!));
    if (path.startsWith("/challenge/")) {
      return void res.writeHead(401, { "www-authenticate": `Bearer realm="${origin}/token",service="evil"` }).end();
    }
    if (path.startsWith("/token")) return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "attacker-token" }));
    if (path.startsWith("/upload/")) return void res.writeHead(req.method === "DELETE" ? 204 : 201).end();
    res.writeHead(404).end();
  });
  origin = await listen(server, false);
  return {
    origin,
    requests,
    leaks(canary, tokens) {
      const basic = Buffer.from(`${canary.username}:${canary.password}`).toString("base64");
      const marks = [canary.password, basic, encodeURIComponent(canary.password), ...tokens];
      return requests.filter((r) => {
        const text = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
        return marks.some((m) => text.includes(m));
      });
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export async function startHostileRegistry(opts: HostileOptions): Promise<HostileRegistry> {
  const { canary, attacker } = opts;
  const token = `registry-token-${randomBytes(12).toString("hex")}`;
  const basic = `Basic ${Buffer.from(`${canary.username}:${canary.password}`).toString("base64")}`;
  let sent = 0;
  let own = "";
  let uploads = 0;
  const count = (n: number) => (sent += n);

  const authorized = (req: http.IncomingMessage) => req.headers.authorization === (opts.realm ? `Bearer ${token}` : basic);
  const challenge = () => {
    if (!opts.realm) return 'Basic realm="hostile"';
    const realm = opts.realm === "own" ? `${own}/token` : opts.realm;
    return `Bearer realm="${realm}",service="hostile"`;
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = await readBody(req);
    void body;
    const url = new URL(req.url ?? "/", own);
    const path = url.pathname;
    if (path === "/token") {
      if (req.headers.authorization !== basic) return void res.writeHead(401).end();
      if (opts.endlessToken) return endless(res.writeHead(200, { "content-type": "application/json" }), '{"token":"', "t", count);
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 }));
    }
    if (path.startsWith("/upload/")) return void res.writeHead(req.method === "DELETE" ? 204 : 201).end();
    if (!path.startsWith("/v2/")) return void res.writeHead(404).end();
    if (!authorized(req)) return void res.writeHead(401, { "www-authenticate": challenge(), "content-type": "application/json" }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    if (path === "/v2/") return void res.writeHead(200).end("{}");
    const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(path);
    if (!m) return void res.writeHead(404).end();
    const [, repo, kind, escaped] = m as unknown as [string, string, string, string];
    const rest = decodeURIComponent(escaped);
    const behaviour = repo.split("/")[0];

    if (kind === "tags") {
      if (behaviour === "hugetags") return endless(res.writeHead(200, { "content-type": "application/json" }), '{"name":"x","tags":["', "a", count);
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (behaviour === "pages") headers.link = `<${attacker.origin}/v2/${repo}/tags/list?last=v1&n=1000>; rel="next"`;
      if (behaviour === "endless") headers.link = `</v2/${repo}/tags/list?n=1000&last=t${Number(url.searchParams.get("last")?.slice(1) ?? 0) + 1}>; rel="next"`;
      return void res.writeHead(200, headers).end(JSON.stringify({ name: repo, tags: ["v1"] }));
    }
    if (kind === "manifests") {
      if (req.method === "PUT") return void res.writeHead(201, { "docker-content-digest": MANIFEST_DIGEST }).end();
      if (behaviour === "hugemanifest") return endless(res.writeHead(200, { "content-type": OCI_MANIFEST }), '{"layers":["', "x", count);
      if (behaviour === "hugeerror") return endless(res.writeHead(404, { "content-type": "application/json" }), '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"', "e", count);
      if (rest !== "v1" && rest !== MANIFEST_DIGEST) return void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      const headers = { "content-type": OCI_MANIFEST, "docker-content-digest": MANIFEST_DIGEST, "content-length": String(manifest.length) };
      return void res.writeHead(200, headers).end(req.method === "HEAD" ? undefined : manifest);
    }
    // blobs
    if (rest.startsWith("uploads/")) {
      if (req.method === "POST") {
        const id = `u${++uploads}`;
        const location = behaviour === "upload" ? `${attacker.origin}/upload/${id}` : `/upload/${id}`;
        return void res.writeHead(202, { location, "docker-upload-uuid": id }).end();
      }
      return void res.writeHead(404).end();
    }
    const blob = BLOBS.get(rest);
    // Every blob is missing from every repository but the source ones: a copy has to move it.
    if (!blob || (req.method === "HEAD" && !["src", "redirect", "challenge", "loop"].includes(behaviour!))) return void res.writeHead(404).end();
    if (behaviour === "loop") return void res.writeHead(302, { location: `/v2/${repo}/blobs/${rest}?hop=${Number(url.searchParams.get("hop") ?? 0) + 1}` }).end();
    if (behaviour === "redirect") return void res.writeHead(307, { location: `${attacker.origin}/blobs/${rest}` }).end();
    if (behaviour === "challenge") return void res.writeHead(307, { location: `${attacker.origin}/challenge/${rest}` }).end();
    return void res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(blob.length) }).end(req.method === "HEAD" ? undefined : blob);
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (req, res) => void handler(req, res))
    : http.createServer((req, res) => void handler(req, res));
  own = await listen(server, !!opts.tls);
  return {
    host: new URL(own).host,
    url: own,
    token,
    sent: () => sent,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
