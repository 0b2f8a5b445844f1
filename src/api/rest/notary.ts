// Notary administration (admin scope): what a repository's trust data says (signed tags by
// role, delegations), the keys regops holds, adding a delegation (a CI signer's certificate),
// and rotating a key. The GUN is a repository name as docker spells it; it goes through the
// reference grammar before it reaches the notary CLI.
//
// The two writes (a delegation, a key rotation) run inside the request rather than as jobs, on
// purpose. They are rare admin operations whose caller needs the answer at once (the trust data
// after the change, or why notary refused), not a job id to poll. Notary (src/sign/notary-v1) bounds them:
// every CLI run has notary.timeoutMs (default 60 s) and is killed after it; they hold the GUN's
// Redis lock (120 s at most to get it, a lease renewed while held), so they never race a sign job
// on the same GUN; and a failure resets what they staged. A client that disconnects does not cut
// a write short: it finishes (or fails and resets) under its lock, and the trust data says which.
// Notary v1 is kept only for teams with existing trust data, so this stays as small as it is.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { RegopsError } from "../../errors.js";
import type { Notary } from "../../sign/notary-v1/notary.js";
import { parseReference } from "../../registry/reference.js";
import { problemSchema } from "../problem.js";

const gunSchema = z
  .string()
  .max(255)
  .superRefine((value, ctx) => {
    try {
      const ref = parseReference(value);
      if (ref.tag || ref.digest) ctx.addIssue({ code: "custom", message: "a repository, without tag or digest" });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  })
  .meta({ description: "Repository as docker spells it, e.g. registry.example.com/team/app" });

const delegationRole = z.string().regex(/^targets\/[a-z0-9_-]+(\/[a-z0-9_-]+)*$/, "must be a delegation such as targets/releases");

const trustSchema = z
  .object({
    gun: z.string(),
    targets: z.array(z.object({ tag: z.string(), digest: z.string(), size: z.number().int(), role: z.string() })),
    delegations: z.array(z.object({ role: z.string(), paths: z.array(z.string()), allPaths: z.boolean(), keyIds: z.array(z.string()), threshold: z.number().int() })),
  })
  .meta({ id: "NotaryTrust" });

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 422: problemSchema, 502: problemSchema } as const;

export const notaryRoutes = (notary: Notary | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const configured = (): Notary => {
      if (!notary) throw new RegopsError("NOTARY_NOT_CONFIGURED", "no Notary server is configured");
      return notary;
    };

    app.get(
      "/v1/notary/trust",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["notary"],
          summary: "A repository's trust data: signed tags per role, delegations",
          querystring: z.object({ gun: gunSchema }),
          response: { 200: trustSchema, ...errors },
        },
      },
      async (request) => {
        const n = configured();
        const gun = request.query.gun;
        const [targets, delegations] = await Promise.all([n.list(gun), n.delegations(gun)]);
        return { gun, targets, delegations };
      },
    );

    app.get(
      "/v1/notary/keys",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["notary"],
          summary: "The signing keys in regops' trust directory (ids and roles; never key material)",
          response: {
            200: z.object({ items: z.array(z.object({ role: z.string(), gun: z.string().optional(), keyId: z.string(), location: z.string() })) }).meta({ id: "NotaryKeys" }),
            ...errors,
          },
        },
      },
      async () => ({ items: await configured().keys() }),
    );

    app.post(
      "/v1/notary/delegations",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["notary"],
          summary: "Add a delegation (e.g. targets/releases for a CI signer) with its certificate",
          body: z.strictObject({
            gun: gunSchema,
            role: delegationRole,
            certificate: z.string().min(1).max(64 * 1024).regex(/-----BEGIN (CERTIFICATE|PUBLIC KEY)-----/, "must be a PEM certificate or public key"),
            paths: z.array(z.string().min(1).max(255)).max(100).optional().meta({ description: "Tag path prefixes it may sign; default all" }),
          }),
          response: { 201: trustSchema, ...errors },
        },
      },
      async (request, reply) => {
        const n = configured();
        const { gun, role, certificate, paths } = request.body;
        await n.addDelegation(gun, role, certificate, paths);
        const [targets, delegations] = await Promise.all([n.list(gun), n.delegations(gun)]);
        return reply.code(201).send({ gun, targets, delegations });
      },
    );

    app.post(
      "/v1/notary/rotations",
      {
        config: { scope: "admin" },
        schema: {
          tags: ["notary"],
          summary: "Rotate a repository's targets key, or hand its snapshot key to the server",
          body: z.strictObject({ gun: gunSchema, role: z.enum(["targets", "snapshot"]) }),
          response: { 200: z.object({ gun: z.string(), role: z.string(), rotated: z.literal(true) }).meta({ id: "NotaryRotation" }), ...errors },
        },
      },
      async (request) => {
        await configured().rotateKey(request.body.gun, request.body.role);
        return { gun: request.body.gun, role: request.body.role, rotated: true as const };
      },
    );
  };
