// One job followed live with jobUpdated: the current state first, then every change until its
// final state. Shared by the Job page and the pages that start jobs (Images, Prune).
import { useEffect } from "react";
import { useSubscription } from "urql";
import { graphql } from "../gql";
import type { JobDetailFragment } from "../gql/graphql";
import { ErrorNote, State } from "./bits";
import { href } from "../route";

graphql(`
  fragment JobDetail on Job {
    id
    type
    state
    image
    spec
    progress
    result
    attempts
    submittedBy
    createdAt
    startedAt
    finishedAt
    error {
      code
      message
      hint
    }
  }
`);

const JobUpdated = graphql(`
  subscription JobUpdated($id: ID!) {
    jobUpdated(id: $id) {
      ...JobDetail
    }
  }
`);

export function useJob(id: string | undefined) {
  const [result] = useSubscription({ query: JobUpdated, variables: { id: id ?? "" }, pause: !id });
  return { job: result.data?.jobUpdated as JobDetailFragment | undefined, error: result.error };
}

/** A one-line summary of a job that is being followed: state, link, error. */
export function JobStatus({ id, onFinal }: { id: string; onFinal?: () => void }) {
  const { job, error } = useJob(id);
  const final = job && !["queued", "active"].includes(job.state);
  useEffect(() => {
    if (final) onFinal?.();
  }, [final, onFinal]);
  return (
    <p className="job-status" role="status" aria-live="polite">
      Job <a href={href("jobs", id)}>{id.slice(0, 13)}…</a> {job ? <State state={job.state} /> : "…"}
      {job?.error ? ` ${job.error.code}: ${job.error.message} (${job.error.hint})` : null}
      <ErrorNote error={error} />
    </p>
  );
}
