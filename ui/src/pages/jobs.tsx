// Jobs: a page of jobs (newest first) kept live by the jobEvents subscription; filters by type,
// state and image; counts by state of what is shown; a write key may submit a refresh or scan.
import { useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery, useSubscription } from "urql";
import { graphql } from "../gql";
import type { JobRowFragment, JobState, JobType } from "../gql/graphql";
import { ErrorNote, State } from "../parts/bits";
import { Time } from "../parts/time";
import { href } from "../route";
import { useCan } from "../viewer";

graphql(`
  fragment JobRow on Job {
    id
    type
    state
    image
    submittedBy
    attempts
    createdAt
    finishedAt
    error {
      code
      message
    }
  }
`);

const JobsQuery = graphql(`
  query Jobs($type: JobType, $state: JobState, $image: String, $cursor: String) {
    jobs(type: $type, state: $state, image: $image, limit: 50, cursor: $cursor) {
      items {
        ...JobRow
      }
      nextCursor
    }
  }
`);

const JobEventsSubscription = graphql(`
  subscription JobEvents($filter: JobEventFilter) {
    jobEvents(filter: $filter) {
      ...JobRow
    }
  }
`);

const SubmitRefresh = graphql(`
  mutation SubmitRefresh($image: String!) {
    refresh(input: { image: $image }) {
      id
    }
  }
`);

const SubmitScan = graphql(`
  mutation SubmitScan($image: String!) {
    scan(input: { image: $image }) {
      id
    }
  }
`);

/** Jobs whose latest change the page keeps (beyond the page it shows, only new jobs use them). */
const LIVE_LIMIT = 500;
const TYPES: JobType[] = ["refresh", "retag", "sign", "verify", "scan", "prune", "retention", "scanner_db"];
const STATES: JobState[] = ["queued", "active", "completed", "failed", "cancelled"];

export function JobsPage() {
  const [type, setType] = useState<JobType | "">("");
  const [state, setState] = useState<JobState | "">("");
  const [image, setImage] = useState("");
  const [cursors, setCursors] = useState<string[]>([]);
  const variables = { type: type || null, state: state || null, image: image.trim() || null, cursor: cursors.at(-1) ?? null };
  const [{ data, error, fetching }] = useQuery({ query: JobsQuery, variables });
  // changes only; folded over the page: a job already shown is updated, a new one on the first page is added on top
  const filter = { types: type ? [type] : null, image: image.trim() || null };
  const [live] = useSubscription({ query: JobEventsSubscription, variables: { filter } }, (prev: Map<string, JobRowFragment> = new Map(), event) => {
    const next = new Map(prev);
    next.delete(event.jobEvents.id); // re-inserted: the Map's order is the order of last change
    next.set(event.jobEvents.id, event.jobEvents);
    // a page left open for days keeps only the latest changes
    for (const id of next.keys()) {
      if (next.size <= LIVE_LIMIT) break;
      next.delete(id);
    }
    return next;
  });
  const rows = useMemo(() => {
    const items = data?.jobs.items ?? [];
    const updates = live.data ?? new Map<string, JobRowFragment>();
    const shown = new Set(items.map((j) => j.id));
    const fresh = cursors.length === 0 ? [...updates.values()].filter((j) => !shown.has(j.id)).reverse() : [];
    return [...fresh, ...items.map((j) => updates.get(j.id) ?? j)].filter((j) => !state || j.state === state);
  }, [data, live.data, cursors.length, state]);
  const counts = STATES.map((s) => [s, rows.filter((j) => j.state === s).length] as const);

  return (
    <>
      <h1>Jobs</h1>
      <SubmitJob />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter jobs">
        <label>
          Type
          <select value={type} onChange={(e) => (setType(e.target.value as JobType | ""), setCursors([]))}>
            <option value="">any</option>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={state} onChange={(e) => (setState(e.target.value as JobState | ""), setCursors([]))}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Image
          <input type="search" value={image} onChange={(e) => (setImage(e.target.value), setCursors([]))} placeholder="registry/repo:tag" />
        </label>
      </form>
      <ul className="counts" aria-label="Jobs shown, by state">
        {counts.map(([s, n]) => (
          <li key={s}>
            <State state={s} /> {n}
          </li>
        ))}
        <li className="live" aria-live="polite">
          {live.error ? "live updates stopped" : "live"}
        </li>
      </ul>
      <ErrorNote error={error} />
      <table className="jobs">
        <caption className="visually-hidden">Jobs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Image</th>
            <th scope="col">Submitted by</th>
            <th scope="col">Created</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((j) => (
            <tr key={j.id} data-job={j.id}>
              <td>
                <a href={href("jobs", j.id)}>{j.id.slice(0, 13)}…</a>
              </td>
              <td>{j.type}</td>
              <td>
                <State state={j.state} />
              </td>
              <td className="ref">{j.image ?? "—"}</td>
              <td>{j.submittedBy ?? "—"}</td>
              <td>
                <Time iso={j.createdAt} />
              </td>
              <td>{j.error ? <span title={j.error.message}>{j.error.code}</span> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!fetching && rows.length === 0 ? <p>No jobs.</p> : null}
      <nav className="pager" aria-label="Pages of jobs">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!data?.jobs.nextCursor} onClick={() => data?.jobs.nextCursor && setCursors([...cursors, data.jobs.nextCursor])}>
          Older
        </button>
      </nav>
    </>
  );
}

function SubmitJob() {
  const canWrite = useCan("write");
  const [kind, setKind] = useState<"refresh" | "scan">("refresh");
  const [image, setImage] = useState("");
  const [refreshed, refresh] = useMutation(SubmitRefresh);
  const [scanned, scan] = useMutation(SubmitScan);
  if (!canWrite) return null;
  const result = kind === "refresh" ? refreshed : scanned;
  const submitted = result.data && ("refresh" in result.data ? result.data.refresh.id : result.data.scan.id);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void (kind === "refresh" ? refresh({ image: image.trim() }) : scan({ image: image.trim() }));
  };
  return (
    <form className="submit" onSubmit={submit} aria-label="Submit a job">
      <label>
        Job
        <select value={kind} onChange={(e) => setKind(e.target.value as "refresh" | "scan")}>
          <option>refresh</option>
          <option>scan</option>
        </select>
      </label>
      <label>
        Image
        <input value={image} onChange={(e) => setImage(e.target.value)} required placeholder="127.0.0.1:5000/team/app:v1" />
      </label>
      <button type="submit" disabled={result.fetching}>
        Submit
      </button>
      {submitted ? (
        <span role="status">
          Submitted <a href={href("jobs", submitted)}>{submitted}</a>
        </span>
      ) : null}
      <ErrorNote error={result.error} />
    </form>
  );
}
