// A real distribution 2.8 registry given the OCI 1.1 referrers API by a proxy in front of it,
// since no registry with the API runs offline here. Everything is stored by the registry behind;
// the proxy only notes the `subject` of each manifest PUT through it (answering `OCI-Subject`,
// as the spec asks of a registry with the API) and serves GET /v2/<name>/referrers/<digest>
// from those notes: `pageSize` descriptors a page, pages chained by Link headers, and the
// artifactType filter applied and announced with OCI-Filters-Applied.
import http from "node:http";
import { forward, listenLocal } from "./forward.js";

export interface ReferrersApiProxy {
  /** host:port of the proxy. */
  host: string;
  /** Referrers API requests served. */
  pagesServed(): number;
  close(): Promise<void>;
}

interface Noted {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const REFERRERS = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/;
const MANIFEST_PUT = /^\/v2\/(.+)\/manifests\/(sha256:[a-f0-9]{64})$/;

export async function startReferrersApiProxy(upstream: string, pageSize = 2): Promise<ReferrersApiProxy> {
  const up = new URL(upstream);
  const notes = new Map<string, Noted[]>();
  let pages = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const referrers = req.method === "GET" ? REFERRERS.exec(url.pathname) : null;
    if (referrers) {
      pages++;
      const type = url.searchParams.get("artifactType");
      const all = (notes.get(`${referrers[1]}@${referrers[2]}`) ?? []).filter((n) => !type || n.artifactType === type);
      const page = Number(url.searchParams.get("page") ?? "0");
      const headers: Record<string, string> = { "content-type": "application/vnd.oci.image.index.v1+json" };
      if (type) headers["oci-filters-applied"] = "artifactType";
      if ((page + 1) * pageSize < all.length) {
        const next = new URLSearchParams(url.searchParams);
        next.set("page", String(page + 1));
        headers.link = `<${url.pathname}?${next.toString()}>; rel="next"`;
      }
      res.writeHead(200, headers);
      res.end(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: all.slice(page * pageSize, (page + 1) * pageSize) }));
      return;
    }
    const put = req.method === "PUT" ? MANIFEST_PUT.exec(url.pathname) : null;
    if (!put) return forward(req, res, up);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const out = http.request({ host: up.hostname, port: up.port, method: "PUT", path: req.url, headers: { ...req.headers, host: up.host } }, (answer) => {
        const json = JSON.parse(body.toString("utf8")) as { artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string>; subject?: { digest: string } };
        const extra: Record<string, string> = {};
        if (answer.statusCode === 201 && json.subject) {
          const key = `${put[1]}@${json.subject.digest}`;
          const list = notes.get(key) ?? [];
          if (!list.some((n) => n.digest === put[2])) {
            list.push({
              mediaType: String(req.headers["content-type"]),
              digest: put[2]!,
              size: body.length,
              artifactType: json.artifactType ?? json.config?.mediaType,
              ...(json.annotations ? { annotations: json.annotations } : {}),
            });
          }
          notes.set(key, list);
          extra["oci-subject"] = json.subject.digest;
        }
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...extra });
        answer.pipe(res);
      });
      out.on("error", () => res.destroy());
      out.end(body);
    });
  });
  const host = await listenLocal(server);
  return {
    host,
    pagesServed: () => pages,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
