// Schedules and watches: id, timetable, job, next run and the last runs with their errors; a
// watch may be run now (write). Schedules have no "run now" in the API.
import { useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote } from "../parts/bits";
import { Time } from "../parts/time";
import { href } from "../route";
import { Watches } from "./watches";

const SchedulesQuery = graphql(`
  query Schedules {
    schedules
  }
`);

interface Run {
  tickAt: string;
  jobId?: string;
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
  lastRuns?: Run[];
}

export function SchedulesPage() {
  const [{ data, error }] = useQuery({ query: SchedulesQuery, requestPolicy: "network-only" });
  const raw = data?.schedules as { items?: ScheduleView[] } | ScheduleView[] | undefined;
  const schedules = Array.isArray(raw) ? raw : (raw?.items ?? []);
  return (
    <>
      <h1>Schedules and watches</h1>
      <h2>Schedules</h2>
      <ErrorNote error={error} />
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
                  {(s.lastRuns ?? []).slice(0, 3).map((r) => (
                    <div key={r.tickAt}>
                      <Time iso={r.tickAt} /> {r.jobId ? <a href={href("jobs", r.jobId)}>job</a> : null}
                      {r.error ? <span className="error"> {r.error.code}: {r.error.message}</span> : null}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Watches />
    </>
  );
}
