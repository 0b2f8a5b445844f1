// A job's `then` steps (a retag's or scan's `then: [{type: "sign"}]`), queued by the job itself
// once its gate passed: a retag's copy succeeded, a scan found nothing at or above failOn.
//
// Not a BullMQ FlowProducer: a flow is built whole when it is submitted, and its parent runs
// after its children whatever they produced (a scan that did not pass still completes). Here
// whether a step runs, and on which images (a retag's targets), is known only when the job
// has run, so the job queues its steps itself, through the same JobService a door uses.
import type { JobContext } from "./context.js";
import type { JobService } from "./service.js";
import type { RetagSpec } from "./specs/index.js";

export const THEN_PRINCIPAL = "regops:then";

export type ThenStep = NonNullable<RetagSpec["then"]>[number];
export type QueuedStep = { type: ThenStep["type"]; image: string; jobId: string };

/**
 * Who owns a pipeline's next step: whoever submitted the job that queues it, so the key that
 * started the pipeline may cancel its steps (a write key cancels only its own jobs).
 */
async function thenOwner(ctx: JobContext, jobs: JobService): Promise<string> {
  try {
    return (await jobs.get(ctx.id)).submittedBy ?? THEN_PRINCIPAL;
  } catch {
    return THEN_PRINCIPAL; // no record (a test's bare processor): the pipeline owns it
  }
}

/**
 * Queues each step for each image: today a sign job. The idempotency key names this job, the
 * step and the image, so a job retried after its worker died queues the same jobs, not a
 * second set.
 */
export async function queueFollowUps(steps: readonly ThenStep[], images: readonly string[], ctx: JobContext, jobs: JobService): Promise<QueuedStep[]> {
  const queued: QueuedStep[] = [];
  const submittedBy = await thenOwner(ctx, jobs);
  for (const step of steps) {
    for (const image of images) {
      const { job } = await jobs.submit(
        { type: "sign", image, ...(step.format ? { format: step.format } : {}), ...(step.role ? { role: step.role } : {}) },
        { principal: THEN_PRINCIPAL, submittedBy, idempotencyKey: `${ctx.id} ${step.type} ${image}` },
      );
      queued.push({ type: step.type, image, jobId: job.id });
    }
  }
  return queued;
}
