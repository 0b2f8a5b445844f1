// The job record as GET /v1/jobs/{id} and the SSE stream send it: only what the CLI reads.
export interface Job {
  id: string;
  type: string;
  state: "queued" | "active" | "completed" | "failed" | "cancelled";
  spec: Record<string, unknown>;
  image?: string;
  progress?: unknown;
  attempts?: number;
  result?: unknown;
  error?: { code: string; message: string; hint: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

export const isFinal = (job: Pick<Job, "state">): boolean => ["completed", "failed", "cancelled"].includes(job.state);
