// GET /v1/whoami: the API key's id and scopes, so a client (the console) can show only what the
// key may do. Scopes are the effective ones: admin implies write, write implies read.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { SCOPES } from "../../config.js";
import { effectiveScopes } from "../auth.js";
import { problemSchema } from "../problem.js";

const whoamiSchema = z
  .object({
    id: z.string().meta({ description: "The key's id in auth.apiKeys" }),
    scopes: z.array(z.enum(SCOPES)).meta({ description: "Every scope the key has, the implied ones included (admin: read, write, admin)" }),
  })
  .meta({ id: "Whoami" });

export const whoamiRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/v1/whoami",
    { schema: { tags: ["auth"], summary: "The API key's id and scopes", response: { 200: whoamiSchema, 401: problemSchema } } },
    // the auth hook has set it: the route needs `read`, which every key has
    async (request) => ({ id: request.principal!.id, scopes: effectiveScopes(request.principal!) }),
  );
};
