// Who owns a pipeline's next step (a retag's or scan's `then: [{type: "sign"}]`): whoever
// submitted the job that queues it, so the key that started the pipeline may cancel its steps
// (a write key cancels only its own jobs).
import type { JobContext, WorkerDeps } from "./context.js";

export const THEN_PRINCIPAL = "regops:then";

export async function thenOwner(ctx: JobContext, deps: WorkerDeps): Promise<string> {
  try {
    return (await deps.jobs.get(ctx.id)).submittedBy ?? THEN_PRINCIPAL;
  } catch {
    return THEN_PRINCIPAL; // no record (a test's bare processor): the pipeline owns it
  }
}
