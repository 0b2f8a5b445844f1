// GraphiQL at /graphiql, served whole by this process: the page, its script (page.ts), and
// React, ReactDOM and GraphiQL's UMD builds and stylesheet from their npm packages (no CDN, so it
// works air-gapped). The page and its assets hold no data and are public (config.scope); the
// GraphQL requests it sends carry the key typed into its headers editor.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { GRAPHIQL_MAIN_JS, graphiqlHtml } from "./page.js";

interface Asset {
  /** Its route: /graphiql/assets/<name>. */
  name: string;
  type: "text/javascript; charset=utf-8" | "text/css; charset=utf-8";
  body: Buffer;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

// Files of the npm packages, in the order the page loads them.
const PACKAGE_FILES = [
  { name: "graphiql.min.css", pkg: "graphiql", file: "graphiql.min.css", type: CSS },
  { name: "react.production.min.js", pkg: "react", file: "umd/react.production.min.js", type: JS },
  { name: "react-dom.production.min.js", pkg: "react-dom", file: "umd/react-dom.production.min.js", type: JS },
  { name: "graphiql.min.js", pkg: "graphiql", file: "graphiql.min.js", type: JS },
] as const;

// Everything from this server; inline styles for React's style attributes. connect-src 'self'
// covers the same-origin WebSocket of subscriptions.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join("; ");

const require = createRequire(import.meta.url);

async function packageFile(pkg: string, file: string): Promise<Buffer> {
  // package.json is exported by each of them; the UMD files are not (they are plain files).
  return readFile(join(dirname(require.resolve(`${pkg}/package.json`)), file));
}

async function loadAssets(): Promise<Asset[]> {
  const fromPackages = await Promise.all(
    PACKAGE_FILES.map(async ({ name, pkg, file, type }) => ({ name, type, body: await packageFile(pkg, file) })),
  );
  return [...fromPackages, { name: "main.js", type: JS, body: Buffer.from(GRAPHIQL_MAIN_JS) }];
}

/** `name?v=<content hash>`: a new version of a file is a new URL, so assets can be cached for good. */
function versioned(asset: Asset): string {
  return `${asset.name}?v=${createHash("sha256").update(asset.body).digest("hex").slice(0, 12)}`;
}

export async function registerGraphiql(app: FastifyInstance): Promise<void> {
  const assets = await loadAssets();
  const html = graphiqlHtml({
    stylesheets: assets.filter((a) => a.type === CSS).map(versioned),
    scripts: assets.filter((a) => a.type === JS).map(versioned),
  });
  const config = { scope: "public" as const };
  app.get("/graphiql", { config, schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").header("content-security-policy", CONTENT_SECURITY_POLICY).send(html),
  );
  for (const asset of assets) {
    app.get(`/graphiql/assets/${asset.name}`, { config, schema: { hide: true } }, async (_request, reply) =>
      reply.type(asset.type).header("cache-control", "public, max-age=31536000, immutable").send(asset.body),
    );
  }
}
