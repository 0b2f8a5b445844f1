// One job: spec, progress, result, error (code, message, hint), attempts, times; live until its
// final state. A write key may cancel it (the API refuses a job of another key unless admin).
import { useMutation } from "urql";
import { graphql } from "../gql";
import { bytes, ErrorNote, Json, State } from "../parts/bits";
import { useJob } from "../parts/job-live";
import { href } from "../route";
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
          <Progress value={job.progress} />
          <FollowUps result={job.result} />
          <Json label="Result" value={job.result} />
          <Json label="Spec" value={job.spec} />
        </>
      ) : !error ? (
        <p role="status">Loading…</p>
      ) : null}
    </>
  );
}

interface PullProgress {
  layers: number;
  layersDone: number;
  bytesTotal: number;
  bytesDone: number;
}

/** A pull's progress per host (layers and bytes) as a table; any other progress as JSON. */
function Progress({ value }: { value: unknown }) {
  const hosts = (value as { hosts?: Record<string, PullProgress> } | null)?.hosts;
  if (!hosts || typeof hosts !== "object") return <Json label="Progress" value={value} />;
  return (
    <table className="progress">
      <caption>Progress ({String((value as { phase?: string }).phase ?? "")})</caption>
      <thead>
        <tr>
          <th scope="col">Host</th>
          <th scope="col">Layers</th>
          <th scope="col">Bytes</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(hosts).map(([host, p]) => (
          <tr key={host}>
            <td>{host}</td>
            <td>
              <progress max={p.layers || 1} value={p.layersDone} aria-label={`${host}: layers pulled`} /> {p.layersDone}/{p.layers}
            </td>
            <td>
              {bytes(p.bytesDone)} of {bytes(p.bytesTotal)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type QueuedStep = { type: string; image: string; jobId: string };

/** The `then` steps this job queued (a retag's or a scan's), each a link to its own job. */
function FollowUps({ result }: { result: unknown }) {
  const steps = (result as { then?: QueuedStep[] } | null | undefined)?.then;
  if (!Array.isArray(steps) || steps.length === 0) return null;
  return (
    <>
      <h2>Follow-up jobs</h2>
      <ul>
        {steps.map((s) => (
          <li key={s.jobId}>
            <a href={href("jobs", s.jobId)}>
              {s.type} {s.image}
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}
