// One route set for a kind of configured entries (registries, watches, schedules): list, get,
// add, replace (where the kind can be changed) and remove. Entries of the config file are listed
// like the others; the service refuses to change them (409). Reading needs the kind's read
// scope, changing its write scope.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Scope } from "../../config.js";
import { RegopsError } from "../../errors.js";
import { problemSchema } from "../problem.js";

/** What the routes call; the kind's service, or an adapter over it. */
export interface EntryResource<E, New, Update> {
  list(): Promise<readonly E[]> | readonly E[];
  get(id: string): Promise<E> | E;
  /** The entries as the API shows them. */
  views(entries: readonly E[]): Promise<unknown[]>;
  create(input: New): Promise<E>;
  update?(id: string, input: Update): Promise<E>;
  remove(id: string): Promise<void>;
  idOf(entry: E): string;
}

interface Operation<Body> {
  summary: string;
  description?: string;
  body: Body;
}

export interface EntryRoutes<E, NewBody extends z.ZodType, UpdateBody extends z.ZodType> {
  /** "/v1/watches": the collection; an entry is `${path}/{id}`. */
  path: string;
  /** The OpenAPI tag, also the kind's name in a 503. */
  tag: string;
  scopes: { read: Scope; write: Scope };
  /** The rule an id in the path must follow. */
  id: z.ZodString;
  view: z.ZodType;
  list: z.ZodType;
  summaries: { list: string; get: string; remove: string };
  create: Operation<NewBody>;
  update?: Operation<UpdateBody>;
  /** Absent only while the OpenAPI document is generated (no route is called then). */
  resource: EntryResource<E, z.output<NewBody>, z.output<UpdateBody>> | undefined;
}

export type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema } as const;

const described = (description: string | undefined) => (description === undefined ? {} : { description });

export function addEntryRoutes<E, NewBody extends z.ZodType, UpdateBody extends z.ZodType>(
  app: ZodApp,
  spec: EntryRoutes<E, NewBody, UpdateBody>,
): void {
  const { path, tag, scopes, create, update } = spec;
  const params = z.object({ id: spec.id });
  const resource = (): EntryResource<E, z.output<NewBody>, z.output<UpdateBody>> => {
    if (!spec.resource) throw new RegopsError("SERVICE_UNAVAILABLE", `${tag} are not available in this process`);
    return spec.resource;
  };
  const view = async (entry: E) => (await resource().views([entry]))[0]!;

  app.get(
    path,
    { config: { scope: scopes.read }, schema: { tags: [tag], summary: spec.summaries.list, response: { 200: spec.list, ...errors } } },
    async () => ({ items: await resource().views(await resource().list()) }),
  );

  app.get(
    `${path}/:id`,
    {
      config: { scope: scopes.read },
      schema: { tags: [tag], summary: spec.summaries.get, params, response: { 200: spec.view, ...errors, 404: problemSchema } },
    },
    async (request) => view(await resource().get(request.params.id)),
  );

  app.post(
    path,
    {
      config: { scope: scopes.write },
      schema: {
        tags: [tag],
        summary: create.summary,
        ...described(create.description),
        body: create.body,
        response: { 201: spec.view, ...errors, 409: problemSchema, 415: problemSchema, 422: problemSchema },
      },
    },
    async (request, reply) => {
      const entry = await resource().create(request.body as z.output<NewBody>);
      return reply.code(201).header("location", `${path}/${resource().idOf(entry)}`).send(await view(entry));
    },
  );

  if (update) {
    app.put(
      `${path}/:id`,
      {
        config: { scope: scopes.write },
        schema: {
          tags: [tag],
          summary: update.summary,
          ...described(update.description),
          params,
          body: update.body,
          response: { 200: spec.view, ...errors, 404: problemSchema, 409: problemSchema, 415: problemSchema, 422: problemSchema },
        },
      },
      async (request) => view(await resource().update!(request.params.id, request.body as z.output<UpdateBody>)),
    );
  }

  app.delete(
    `${path}/:id`,
    {
      config: { scope: scopes.write },
      schema: {
        tags: [tag],
        summary: spec.summaries.remove,
        params,
        response: { 204: z.null().meta({ description: "Removed" }), ...errors, 404: problemSchema, 409: problemSchema },
      },
    },
    async (request, reply) => {
      await resource().remove(request.params.id);
      return reply.code(204).send(null);
    },
  );
}
