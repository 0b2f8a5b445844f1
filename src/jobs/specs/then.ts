// The `then` steps of a retag or scan spec. (A module of its own, not common.ts: ThenSign is
// registered with zod after RefreshSpec, which keeps the order of openapi.yaml's components.)
import { z } from "zod";
import { notaryRole, signingFormat } from "./common.js";

/** Steps that run after a job succeeded: today, signing what it produced. */
export const thenSign = z
  .strictObject({
    type: z.literal("sign"),
    format: signingFormat.optional(),
    role: notaryRole.optional().meta({ description: "notary-v1: role to sign as; default notary.role from the config" }),
  })
  .meta({ id: "ThenSign" });
