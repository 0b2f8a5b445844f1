// Prune: plans (dry runs) of recent prune jobs as tables with sizes, reclaimable bytes and why
// each item is there. A write key may plan; an admin key may apply a plan, which deletes
// exactly what it lists (or aborts if anything changed).
import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import type { PruneTarget } from "../gql/graphql";
import { bytes, ErrorNote, Json, State } from "../parts/bits";
import { Digest } from "../parts/digest";
import { JobStatus, useJob } from "../parts/job-live";
import { Time } from "../parts/time";
import { useCan } from "../viewer";

const PruneJobs = graphql(`
  query PruneJobs {
    jobs(type: prune, limit: 20) {
      items {
        id
        state
        spec
        createdAt
      }
    }
  }
`);

const Prune = graphql(`
  mutation Prune($input: PruneInput!) {
    prune(input: $input) {
      id
    }
  }
`);

interface PlanItem {
  kind: string;
  id: string;
  names?: string[];
  size?: number;
  reclaimable?: number;
  reason?: string;
}
interface PruneResult {
  mode: "plan" | "apply";
  planId?: string;
  items?: PlanItem[];
  reclaimableBytes?: number;
  expiresAt?: string;
}

export function PrunePage() {
  const [{ data, error }, reexecute] = useQuery({ query: PruneJobs, requestPolicy: "network-only" });
  const [selected, setSelected] = useState<string>();
  const plans = (data?.jobs.items ?? []).filter((j) => (j.spec as { dryRun?: boolean }).dryRun);
  const shown = selected ?? plans[0]?.id;
  return (
    <>
      <h1>Prune</h1>
      <PlanForm onPlanned={(id) => (setSelected(id), reexecute({ requestPolicy: "network-only" }))} />
      <ErrorNote error={error} />
      <h2>Plans</h2>
      {plans.length === 0 ? <p>No prune plan yet.</p> : null}
      <ul className="plans">
        {plans.map((j) => (
          <li key={j.id}>
            <button type="button" aria-pressed={j.id === shown} onClick={() => setSelected(j.id)}>
              {(j.spec as { host?: string }).host ?? "default host"}, {(j.spec as { target?: string }).target ?? "images"}
            </button>{" "}
            <State state={j.state} /> <Time iso={j.createdAt} />
          </li>
        ))}
      </ul>
      {shown ? <Plan key={shown} id={shown} /> : null}
    </>
  );
}

function PlanForm({ onPlanned }: { onPlanned: (id: string) => void }) {
  const canWrite = useCan("write");
  const [host, setHost] = useState("");
  const [target, setTarget] = useState<PruneTarget>("images");
  const [all, setAll] = useState(false);
  const [planned, plan] = useMutation(Prune);
  if (!canWrite) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await plan({ input: { host: host.trim() || null, target, all, dryRun: true } });
    if (r.data) onPlanned(r.data.prune.id);
  };
  return (
    <form className="submit" onSubmit={(e) => void submit(e)} aria-label="Plan a prune">
      <label>
        Docker host
        <input value={host} onChange={(e) => setHost(e.target.value)} placeholder="default" />
      </label>
      <label>
        Target
        <select value={target} onChange={(e) => setTarget(e.target.value as PruneTarget)}>
          <option>images</option>
          <option>containers</option>
          <option>volumes</option>
          <option>buildCache</option>
          <option>system</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> all unused images, not only dangling
      </label>
      <button type="submit" disabled={planned.fetching}>
        Plan (dry run)
      </button>
      <ErrorNote error={planned.error} />
    </form>
  );
}

function Plan({ id }: { id: string }) {
  const { job, error } = useJob(id);
  const canAdmin = useCan("admin");
  const [applied, apply] = useMutation(Prune);
  const result = job?.result as PruneResult | undefined;
  const items = result?.items ?? [];
  const applyId = applied.data?.prune.id;
  return (
    <section aria-label="Prune plan">
      <h2>
        Plan <code>{id.slice(0, 13)}…</code> {job ? <State state={job.state} /> : null}
      </h2>
      <ErrorNote error={error} />
      {job?.error ? (
        <p className="error">
          {job.error.code}: {job.error.message} ({job.error.hint})
        </p>
      ) : null}
      {result?.mode === "plan" ? (
        <>
          <p className="total">
            {items.length} item(s), <strong>{bytes(result.reclaimableBytes)}</strong> reclaimable; the plan expires <Time iso={result.expiresAt} />
          </p>
          <table className="plan">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Id</th>
                <th scope="col">Names</th>
                <th scope="col">Size</th>
                <th scope="col">Reclaimable</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id}>
                  <td>{i.kind}</td>
                  <td>
                    <Digest value={i.id} />
                  </td>
                  <td>{(i.names ?? []).join(", ") || "—"}</td>
                  <td className="num">{bytes(i.size)}</td>
                  <td className="num">{bytes(i.reclaimable)}</td>
                  <td>{i.reason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {canAdmin && job?.state === "completed" ? (
            <p>
              <button type="button" className="danger" disabled={applied.fetching || !!applyId} onClick={() => void apply({ input: { apply: id } })}>
                Apply this plan (deletes these {items.length} item(s))
              </button>
            </p>
          ) : null}
          {applyId ? <JobStatus id={applyId} /> : null}
          <ErrorNote error={applied.error} />
        </>
      ) : (
        <Json label="Result" value={job?.result} />
      )}
    </section>
  );
}
