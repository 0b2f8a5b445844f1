// GraphQL for registries (admin scope): the same catalog, zod schemas and views as
// /v1/registries, so both doors accept and refuse the same things.
import { badRequest } from "../../errors.js";
import type { RegistryDirectory } from "../../registry/directory.js";
import { requireScope, type Principal } from "../auth.js";
import { withoutNulls } from "./nulls.js";
import { registryFromInput, registryFromUpdate, registryInputSchema, registryUpdateSchema, registryViews, type RateLimitsOf } from "../../registry/api-view.js";

type Input = Record<string, unknown> & { clearAuth?: boolean | null };

function fieldsOf(issues: { path: PropertyKey[]; message: string }[]) {
  return issues.map((i) => ({ field: `input.${i.path.map(String).join(".")}`, message: i.message }));
}

export function registryResolvers(
  catalog: RegistryDirectory,
  rateLimits: RateLimitsOf,
  admin: (ctx: unknown) => Principal,
  guarded: <T>(fn: () => Promise<T> | T) => Promise<T>,
) {
  const view = async (id: string) => {
    const entry = catalog.get(id);
    return entry ? (await registryViews([entry], rateLimits))[0]! : null;
  };
  return {
    Query: {
      registries: (_: unknown, __: unknown, ctx: unknown) =>
        guarded(() => {
          requireScope(admin(ctx), "admin");
          return registryViews(catalog.list(), rateLimits);
        }),
      registry: (_: unknown, args: { id: string }, ctx: unknown) =>
        guarded(() => {
          requireScope(admin(ctx), "admin");
          return view(args.id);
        }),
    },
    Mutation: {
      createRegistry: (_: unknown, args: { id: string; input: Input }, ctx: unknown) =>
        guarded(async () => {
          requireScope(admin(ctx), "admin");
          const { clearAuth: _clear, ...input } = withoutNulls(args.input) as Input;
          const parsed = registryInputSchema.safeParse({ ...input, id: args.id });
          if (!parsed.success) throw badRequest(fieldsOf(parsed.error.issues));
          const entry = await catalog.create(registryFromInput(parsed.data, "input."));
          return view(entry.config.id);
        }),
      updateRegistry: (_: unknown, args: { id: string; input: Input }, ctx: unknown) =>
        guarded(async () => {
          requireScope(admin(ctx), "admin");
          const { clearAuth, ...input } = withoutNulls(args.input) as Input;
          if (clearAuth && input.auth) throw badRequest([{ field: "input.clearAuth", message: "cannot be combined with auth" }]);
          const parsed = registryUpdateSchema.safeParse(clearAuth ? { ...input, auth: null } : input);
          if (!parsed.success) throw badRequest(fieldsOf(parsed.error.issues));
          const { config, keepAuth } = registryFromUpdate(args.id, parsed.data, "input.");
          await catalog.update(config, keepAuth);
          return view(args.id);
        }),
      deleteRegistry: (_: unknown, args: { id: string }, ctx: unknown) =>
        guarded(async () => {
          requireScope(admin(ctx), "admin");
          await catalog.remove(args.id);
          return true;
        }),
    },
  };
}
