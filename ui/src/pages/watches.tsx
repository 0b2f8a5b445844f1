// Watches: what each polls, when it runs next, its last run (checks, refresh jobs, first error);
// a write key may run one now.
import { useCallback } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote } from "../parts/bits";
import { useRunNowFollow } from "../parts/run-now";
import { Time } from "../parts/time";
import { href } from "../route";
import { useCan } from "../viewer";

const WatchesQuery = graphql(`
  query Watches {
    watches
  }
`);

const RunWatch = graphql(`
  mutation RunWatch($id: ID!) {
    runWatch(id: $id)
  }
`);

interface WatchView {
  id: string;
  image?: string;
  repository?: string;
  tags?: string;
  every?: string;
  cron?: string;
  source: string;
  nextRunAt?: string | null;
  status: { runs: number; lastRunAt?: string; lastChecked?: number; lastJobs: string[]; lastError?: { code: string; message: string; count: number } };
}

export function Watches() {
  const [{ data, error }, reexecute] = useQuery({ query: WatchesQuery, requestPolicy: "network-only" });
  const canWrite = useCan("write");
  const [ran, run] = useMutation(RunWatch);
  const watches = (data?.watches ?? []) as WatchView[];
  const runsOf = useCallback((id: string) => watches.find((w) => w.id === id)?.status.runs, [watches]);
  const refetch = useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]);
  const follow = useRunNowFollow(runsOf, refetch);
  const runNow = async (w: WatchView) => {
    const result = await run({ id: w.id });
    if (!result.error) follow.started(w.id, w.status.runs);
    refetch();
  };
  return (
    <section aria-labelledby="watches-heading">
      <h2 id="watches-heading">Watches</h2>
      <ErrorNote error={error ?? ran.error} />
      {data && watches.length === 0 ? <p>No watches.</p> : null}
      {watches.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Watch</th>
              <th scope="col">Polls</th>
              <th scope="col">When</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              {canWrite ? <th scope="col">Run</th> : null}
            </tr>
          </thead>
          <tbody>
            {watches.map((w) => (
              <tr key={w.id}>
                <td>
                  {w.id} <small>({w.source})</small>
                </td>
                <td className="ref">{w.image ?? `${w.repository ?? ""} ${w.tags ?? ""}`}</td>
                <td>
                  <code>{w.cron ?? `every ${w.every ?? "?"}`}</code>
                </td>
                <td>
                  <Time iso={w.nextRunAt} />
                </td>
                <td>
                  <Time iso={w.status.lastRunAt} /> ({w.status.runs} runs
                  {w.status.lastChecked !== undefined ? `, ${w.status.lastChecked} checked` : ""})
                  {w.status.lastJobs.map((id) => (
                    <a key={id} href={href("jobs", id)}>
                      {" "}
                      job
                    </a>
                  ))}
                  {w.status.lastError ? (
                    <span className="error">
                      {" "}
                      {w.status.lastError.code}: {w.status.lastError.message}
                    </span>
                  ) : null}
                </td>
                {canWrite ? (
                  <td>
                    <button type="button" onClick={() => void runNow(w)} disabled={follow.waiting(w.id)} aria-label={`Run now: ${w.id}`}>
                      Run now
                    </button>
                    {follow.waiting(w.id) ? <span role="status"> queued…</span> : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
