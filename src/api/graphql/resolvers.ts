// GraphQL resolvers: thin calls into the same services the REST routes use (JobService, the
// image view, ScanQueries), never into the routes. Errors carry the same codes as REST's
// problem+json, in `extensions`.
import mercurius from "mercurius";
import { RegopsError, badRequest } from "../../errors.js";
import { stoppable, type JobEvents } from "../../jobs/events.js";
import type { JobService } from "../../jobs/service.js";
import { jobSpec, type JobType } from "../../jobs/specs/index.js";
import { graphqlJobType, restJobType } from "./job-type.js";
import { imageView } from "../../images/view.js";
import { formatReference, parseReference, withDefaultTag } from "../../registry/reference.js";
import { TERMINAL_STATES, type JobRecord } from "../../store/jobs.js";
import type { JobState } from "../../store/keys.js";
import type { RegistryClients } from "../../registry/clients.js";
import { effectiveScopes, requireJobOwner, requireScope, type ApiKeys, type Principal } from "../auth.js";
import { inspectImage } from "../../registry/inspect.js";
import type { RegistryDirectory } from "../../registry/directory.js";
import { withoutNulls } from "./nulls.js";
import { referrerResolvers } from "./referrer-resolvers.js";
import { registryResolvers } from "./registry-resolvers.js";
import type { DeliveryLog, DeliveryStatus } from "../../webhooks/deliveries.js";
import type { ImageStore } from "../../store/images.js";
import type { ScanStore } from "../../store/scans.js";
import type { ScanQueries } from "../../scan/queries.js";
import type { ScheduleService } from "../../schedules/service.js";
import type { WatchService } from "../../watches/service.js";

const { ErrorWithProps } = mercurius;

interface Context {
  principal?: Principal;
  request?: { headers: Record<string, string | string[] | undefined> };
  _connectionInit?: { authorization?: string; Authorization?: string; headers?: { authorization?: string } };
}

/**
 * A RegopsError as a GraphQL error: its code, hint and fields in `extensions`. A GraphQL error
 * (a document that does not parse) stays as it is. Anything else is hidden as REST hides it:
 * INTERNAL with no detail; the original rides along as `cause`, which the formatter logs.
 */
export function graphqlError(err: unknown): Error {
  if (err instanceof RegopsError) {
    return new ErrorWithProps(err.message, { code: err.code, hint: err.hint, status: err.status, errors: err.fields.length ? err.fields : undefined });
  }
  // by name, not `instanceof`: graphql's CommonJS and ESM builds each have their own class
  if (err instanceof ErrorWithProps || (err as Error | undefined)?.name === "GraphQLError") return err as Error;
  const hidden = new RegopsError("INTERNAL", "internal error");
  return Object.assign(new ErrorWithProps(hidden.message, { code: hidden.code, hint: hidden.hint, status: hidden.status }), { cause: err });
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw graphqlError(err);
  }
}

function principalOf(ctx: Context, keys: ApiKeys): Principal {
  if (ctx.principal) return ctx.principal;
  // WebSocket subscriptions: the key comes in connection_init, or on the upgrade request.
  const init = ctx._connectionInit;
  const header = init?.authorization ?? init?.Authorization ?? init?.headers?.authorization ?? (ctx.request?.headers.authorization as string | undefined);
  return keys.authenticate(header);
}

/** A page size as REST's `limit` takes it: 1 to 500, default 50. */
function pageLimit(limit: number | null | undefined): number {
  const n = limit ?? 50;
  if (n < 1 || n > 500) throw badRequest([{ field: "limit", message: "must be between 1 and 500" }]);
  return n;
}

interface JobArgs {
  input: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface GraphqlDeps {
  jobs: JobService;
  events: JobEvents;
  keys: ApiKeys;
  registries: RegistryClients;
  catalog: RegistryDirectory;
  webhooks: { log: DeliveryLog };
  images: ImageStore;
  scans: ScanStore;
  scanQueries: ScanQueries;
  schedules?: ScheduleService;
  watches?: WatchService;
}

export function resolvers({ jobs, events, keys, registries, catalog, webhooks, images, scans, scanQueries, schedules, watches }: GraphqlDeps) {
  const watchService = () => {
    if (!watches) throw new RegopsError("SERVICE_UNAVAILABLE", "watches are not available in this process");
    return watches;
  };
  const scheduleService = () => {
    if (!schedules) throw new RegopsError("SERVICE_UNAVAILABLE", "schedules are not available in this process");
    return schedules;
  };
  const registryOps = registryResolvers(catalog, (ids) => registries.rateLimits(ids), (ctx) => principalOf(ctx as Context, keys), guarded);
  const referrerFields = referrerResolvers(registries, guarded);
  /** One mutation per job type: the input is parsed by the same zod spec as POST /v1/jobs. */
  const submit = (type: JobType, args: JobArgs, ctx: Context) =>
    guarded(async () => {
      const principal = principalOf(ctx, keys);
      requireScope(principal, "write");
      const input = withoutNulls(args.input) as Record<string, unknown>;
      const parsed = jobSpec.safeParse({ ...input, type });
      if (!parsed.success) {
        throw badRequest(parsed.error.issues.map((i) => ({ field: `input.${i.path.join(".")}`, message: i.message })));
      }
      requireScope(principal, await jobs.requiredScope(parsed.data));
      const { job } = await jobs.submit(parsed.data, { idempotencyKey: args.idempotencyKey, principal: principal.id });
      return job;
    });

  return {
    Query: {
      ...registryOps.Query,
      viewer: (_: unknown, __: unknown, ctx: Context) =>
        guarded(() => {
          const principal = principalOf(ctx, keys);
          requireScope(principal, "read");
          return { id: principal.id, scopes: effectiveScopes(principal) };
        }),
      webhookDeliveries: (
        _: unknown,
        args: { registry?: string; status?: DeliveryStatus; limit?: number; cursor?: string },
        ctx: Context,
      ) =>
        guarded(() => {
          requireScope(principalOf(ctx, keys), "read");
          return webhooks.log.list({ registry: args.registry ?? undefined, status: args.status ?? undefined, limit: pageLimit(args.limit), cursor: args.cursor ?? undefined });
        }),
      image: (_: unknown, args: { ref: string }, ctx: Context) =>
        guarded(async () => {
          requireScope(principalOf(ctx, keys), "read");
          return (await imageView({ images, scans }, parseReference(args.ref))) ?? null;
        }),
      schedules: (_: unknown, __: unknown, ctx: Context) =>
        guarded(async () => {
          requireScope(principalOf(ctx, keys), "read");
          return scheduleService().views(await scheduleService().list());
        }),
      watches: (_: unknown, __: unknown, ctx: Context) =>
        guarded(async () => {
          requireScope(principalOf(ctx, keys), "read");
          return watchService().views(await watchService().list());
        }),
      scan: (_: unknown, args: { id: string }, ctx: Context) =>
        guarded(async () => {
          requireScope(principalOf(ctx, keys), "read");
          return scanQueries.scan(args.id).catch((err: unknown) => {
            if (err instanceof RegopsError && err.code === "NOT_FOUND") return null;
            throw err;
          });
        }),
      vulnerability: (_: unknown, args: { id: string }, ctx: Context) =>
        guarded(async () => {
          requireScope(principalOf(ctx, keys), "read");
          return scanQueries.vulnerability(args.id);
        }),
      manifest: (_: unknown, args: { ref: string }, ctx: Context) =>
        guarded(() => {
          requireScope(principalOf(ctx, keys), "read");
          return inspectImage(registries, args.ref);
        }),
      job: (_: unknown, args: { id: string }, ctx: Context) =>
        guarded(async () => {
          requireScope(principalOf(ctx, keys), "read");
          return jobs.get(args.id).catch((err: unknown) => {
            if (err instanceof RegopsError && err.code === "NOT_FOUND") return null;
            throw err;
          });
        }),
      jobs: (
        _: unknown,
        args: { type?: string; state?: JobState; image?: string; limit?: number; cursor?: string },
        ctx: Context,
      ) =>
        guarded(() => {
          requireScope(principalOf(ctx, keys), "read");
          const limit = pageLimit(args.limit);
          const image = args.image ? formatReference(withDefaultTag(parseReference(args.image))) : undefined;
          return jobs.list({ type: args.type ? restJobType(args.type) : undefined, state: args.state, image, limit, cursor: args.cursor });
        }),
    },
    ...referrerFields,
    Job: {
      type: (job: JobRecord) => graphqlJobType(job.type),
    },
    Mutation: {
      ...registryOps.Mutation,
      runWatch: (_: unknown, args: { id: string }, ctx: Context) =>
        guarded(async () => {
          requireScope(principalOf(ctx, keys), "write");
          const entry = await watchService().runNow(args.id);
          return (await watchService().views([entry]))[0];
        }),
      runSchedule: (_: unknown, args: { id: string }, ctx: Context) =>
        guarded(async () => {
          const principal = principalOf(ctx, keys);
          requireScope(principal, "write");
          const entry = await scheduleService().get(args.id);
          requireScope(principal, await jobs.requiredScope(entry.item.job));
          await scheduleService().runNow(entry.item.id);
          return (await scheduleService().views([entry]))[0];
        }),
      refresh: (_: unknown, args: JobArgs, ctx: Context) => submit("refresh", args, ctx),
      retag: (_: unknown, args: JobArgs, ctx: Context) => submit("retag", args, ctx),
      sign: (_: unknown, args: JobArgs, ctx: Context) => submit("sign", args, ctx),
      verify: (_: unknown, args: JobArgs, ctx: Context) => submit("verify", args, ctx),
      scan: (_: unknown, args: JobArgs, ctx: Context) => submit("scan", args, ctx),
      retention: (_: unknown, args: JobArgs, ctx: Context) => submit("retention", args, ctx),
      migrateSignatures: (_: unknown, args: JobArgs, ctx: Context) => submit("migrate-signatures", args, ctx),
      syncScannerDb: (_: unknown, args: Partial<JobArgs>, ctx: Context) => submit("scanner-db", { ...args, input: args.input ?? {} }, ctx),
      // GraphQL names cannot contain "!": the CLI's label! filter arrives as labelNot.
      prune: (_: unknown, args: JobArgs, ctx: Context) => {
        const { labelNot, ...filters } = ((args.input.filters ?? {}) as Record<string, unknown>) ?? {};
        const input = args.input.filters ? { ...args.input, filters: { ...filters, ...(labelNot ? { "label!": labelNot } : {}) } } : args.input;
        return submit("prune", { ...args, input }, ctx);
      },
      cancelJob: (_: unknown, args: { id: string }, ctx: Context) =>
        guarded(async () => {
          const principal = principalOf(ctx, keys);
          requireScope(principal, "write");
          requireJobOwner(principal, await jobs.get(args.id));
          return jobs.cancel(args.id);
        }),
    },
    Subscription: {
      jobEvents: {
        subscribe: async (_: unknown, args: { filter?: JobEventFilter | null }, ctx: Context) => {
          await guarded(() => requireScope(principalOf(ctx, keys), "read"));
          const matches = jobFilter(args.filter ?? {});
          await events.subscribe();
          return stoppable(async function* (signal) {
            for await (const job of events.updates(matches, signal)) yield { jobEvents: job };
          });
        },
      },
      jobUpdated: {
        subscribe: async (_: unknown, args: { id: string }, ctx: Context) => {
          const first = await guarded(async () => {
            requireScope(principalOf(ctx, keys), "read");
            return jobs.get(args.id);
          });
          await events.subscribe();
          return stoppable((signal) => followJob(first, events, () => jobs.get(args.id), signal));
        },
      },
    },
  };
}

interface JobEventFilter {
  types?: string[] | null;
  states?: string[] | null;
  image?: string | null;
}

function jobFilter(filter: JobEventFilter): (job: JobRecord) => boolean {
  let image: string | undefined;
  try {
    image = filter.image ? formatReference(withDefaultTag(parseReference(filter.image))) : undefined;
  } catch (err) {
    throw graphqlError(err);
  }
  return (job) =>
    (!filter.types?.length || filter.types.includes(graphqlJobType(job.type))) &&
    (!filter.states?.length || filter.states.includes(job.state)) &&
    (!image || job.image === image);
}

/** The job now, then every change, ending after a final state (the subscription then completes) or when `signal` aborts. */
async function* followJob(first: JobRecord, events: JobEvents, reread: () => Promise<JobRecord>, signal: AbortSignal): AsyncGenerator<{ jobUpdated: JobRecord }> {
  const updates = events.updatesOf(first.id, signal);
  // Start listening before reading again, so nothing between the two is missed.
  const pending = updates.next();
  try {
    const current = await reread();
    yield { jobUpdated: current };
    if (TERMINAL_STATES.includes(current.state)) return;
    for (let r = await pending; !r.done; r = await updates.next()) {
      yield { jobUpdated: r.value };
      if (TERMINAL_STATES.includes(r.value.state)) return;
    }
  } finally {
    // Ends at once, also a next() still waiting for a change that will not come (a finished job has none).
    await updates.return?.(undefined);
    await pending.catch(() => undefined);
  }
}
