// The console at /ui/: a single-page app (ui/, built by `npm run build` into dist/ui) that speaks
// only GraphQL. Its page and assets hold no data and are public, as /docs and /graphiql are;
// every GraphQL request it sends carries the key the user signed in with.
import type { FastifyInstance } from "fastify";
import { RegopsError } from "../../errors.js";
import { loadConsoleFiles } from "./files.js";

// Everything from this server (connect-src 'self' covers the same-origin WebSocket); the
// built page has no inline script or style.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'self'",
].join("; ");

const notBuilt = () =>
  new RegopsError("NOT_FOUND", "the console is not built in this installation", { hint: "run npm run build (it builds ui/ into dist/ui)" });

export async function registerConsole(app: FastifyInstance): Promise<void> {
  const { index, assets } = await loadConsoleFiles();
  const config = { scope: "public" as const };
  app.get("/ui", { config, schema: { hide: true } }, async (_request, reply) => reply.redirect("/ui/"));
  app.get("/ui/", { config, schema: { hide: true } }, async (_request, reply) => {
    if (!index) throw notBuilt();
    return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").header("content-security-policy", CONTENT_SECURITY_POLICY).send(index);
  });
  // Vite puts a content hash in every asset's name: a new build is a new URL, so they are cached for good.
  app.get<{ Params: { "*": string } }>("/ui/assets/*", { config, schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params["*"]);
    if (!asset) throw new RegopsError("NOT_FOUND", `no console asset ${request.params["*"].slice(0, 100)}`, { hint: "reload /ui/: the console was rebuilt" });
    return reply.type(asset.type).header("cache-control", "public, max-age=31536000, immutable").send(asset.body);
  });
}
