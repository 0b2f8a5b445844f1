// Schedules and watches: id, timetable, job, next run and the last runs with their errors; a
// schedule or a watch may be run now (write; a schedule whose job needs admin, admin).
import { useCallback } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote } from "../parts/bits";
import { useRunNowFollow } from "../parts/run-now";
import { Time } from "../parts/time";
import { href } from "../route";
import { useCan } from "../viewer";
import { Watches } from "./watches";

const SchedulesQuery = graphql(`
  query Schedules {
    schedules
  }
`);

const RunSchedule = graphql(`
  mutation RunSchedule($id: ID!) {
    runSchedule(id: $id)
  }
`);

interface Run {
  tickAt: string;
  jobId?: string;
  manual?: boolean;
  error?: { code: string; message: string };
}
interface ScheduleView {
  id: string;
  cron?: string;
  every?: string;
  timezone?: string;
  job?: { type?: string; image?: string; host?: string };
  nextRunAt?: string;
  source?: string;
  runScope?: "write" | "admin";
  runs?: number;
  lastRuns?: Run[];
}

export function SchedulesPage() {
  const [{ data, error }, reexecute] = useQuery({ query: SchedulesQuery, requestPolicy: "network-only" });
  const [ran, run] = useMutation(RunSchedule);
  const canWrite = useCan("write");
  const canAdmin = useCan("admin");
  const raw = data?.schedules as { items?: ScheduleView[] } | ScheduleView[] | undefined;
  const schedules = Array.isArray(raw) ? raw : (raw?.items ?? []);
  const runsOf = useCallback((id: string) => schedules.find((s) => s.id === id)?.runs, [schedules]);
  const refetch = useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]);
  const follow = useRunNowFollow(runsOf, refetch);
  const mayRun = (s: ScheduleView) => (s.runScope === "admin" ? canAdmin : canWrite);
  const runNow = async (s: ScheduleView) => {
    const result = await run({ id: s.id });
    if (!result.error) follow.started(s.id, s.runs ?? 0);
    refetch();
  };
  return (
    <>
      <h1>Schedules and watches</h1>
      <h2>Schedules</h2>
      <ErrorNote error={error ?? ran.error} />
      {data && schedules.length === 0 ? <p>No schedules.</p> : null}
      {schedules.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">When</th>
              <th scope="col">Job</th>
              <th scope="col">Next run</th>
              <th scope="col">Last runs</th>
              {canWrite ? <th scope="col">Run</th> : null}
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.id} <small>({s.source ?? "config"})</small>
                </td>
                <td>
                  <code>{s.cron ?? `every ${s.every ?? "?"}`}</code> {s.timezone ?? ""}
                </td>
                <td>
                  {s.job?.type} {s.job?.image ?? s.job?.host ?? ""}
                </td>
                <td>
                  <Time iso={s.nextRunAt} />
                </td>
                <td>
                  <div className="runs">({s.runs ?? 0} runs)</div>
                  {(s.lastRuns ?? []).slice(0, 3).map((r) => (
                    <div key={r.tickAt}>
                      <Time iso={r.tickAt} /> {r.manual ? "(run now) " : null}
                      {r.jobId ? <a href={href("jobs", r.jobId)}>job</a> : null}
                      {r.error ? <span className="error"> {r.error.code}: {r.error.message}</span> : null}
                    </div>
                  ))}
                </td>
                {canWrite ? (
                  <td>
                    {mayRun(s) ? (
                      <button type="button" onClick={() => void runNow(s)} disabled={follow.waiting(s.id)} aria-label={`Run now: ${s.id}`}>
                        Run now
                      </button>
                    ) : (
                      <small>admin key</small>
                    )}
                    {follow.waiting(s.id) ? <span role="status"> queued…</span> : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Watches />
    </>
  );
}
