// One job: spec, progress, result, error (code, message, hint), attempts, times; live until its
// final state. A write key may cancel it (the API refuses a job of another key unless admin).
import { useMutation } from "urql";
import { graphql } from "../gql";
import { ErrorNote, Json, State } from "../parts/bits";
import { useJob } from "../parts/job-live";
import { Time } from "../parts/time";
import { useCan } from "../viewer";

const CancelJob = graphql(`
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) {
      id
      state
    }
  }
`);

export function JobPage({ id }: { id: string }) {
  const { job, error } = useJob(id);
  const canWrite = useCan("write");
  const [cancelled, cancel] = useMutation(CancelJob);
  return (
    <>
      <h1>
        Job <code>{id}</code>
      </h1>
      <ErrorNote error={error} />
      {job ? (
        <>
          <dl className="facts">
            <dt>Type</dt>
            <dd>{job.type}</dd>
            <dt>State</dt>
            <dd>
              <State state={job.state} />
            </dd>
            <dt>Image</dt>
            <dd className="ref">{job.image ?? "—"}</dd>
            <dt>Submitted by</dt>
            <dd>{job.submittedBy ?? "—"}</dd>
            <dt>Attempts</dt>
            <dd>{job.attempts}</dd>
            <dt>Created</dt>
            <dd>
              <Time iso={job.createdAt} />
            </dd>
            <dt>Started</dt>
            <dd>
              <Time iso={job.startedAt} />
            </dd>
            <dt>Finished</dt>
            <dd>
              <Time iso={job.finishedAt} />
            </dd>
          </dl>
          {job.error ? (
            <section className="error" aria-label="Error">
              <h2>
                Error <code>{job.error.code}</code>
              </h2>
              <p>{job.error.message}</p>
              <p>
                <strong>Hint:</strong> {job.error.hint}
              </p>
            </section>
          ) : null}
          {canWrite && (job.state === "queued" || job.state === "active") ? (
            <p>
              <button type="button" onClick={() => void cancel({ id })} disabled={cancelled.fetching}>
                Cancel job
              </button>
              <ErrorNote error={cancelled.error} />
            </p>
          ) : null}
          <Json label="Progress" value={job.progress} />
          <Json label="Result" value={job.result} />
          <Json label="Spec" value={job.spec} />
        </>
      ) : !error ? (
        <p role="status">Loading…</p>
      ) : null}
    </>
  );
}
