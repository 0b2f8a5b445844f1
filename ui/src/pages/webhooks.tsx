// Webhooks: the delivery log, newest first, filterable by registry and status; each delivery's
// events and what became of them ("why didn't my push refresh?").
import { useState } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import type { DeliveryStatus } from "../gql/graphql";
import { ErrorNote } from "../parts/bits";
import { Digest } from "../parts/digest";
import { Time } from "../parts/time";
import { href } from "../route";

const DeliveriesQuery = graphql(`
  query Deliveries($registry: String, $status: DeliveryStatus, $cursor: String) {
    webhookDeliveries(registry: $registry, status: $status, limit: 50, cursor: $cursor) {
      items {
        id
        registry
        format
        receivedAt
        status
        reason
        httpStatus
        count
        events {
          action
          repository
          tag
          digest
          outcome
          image
          jobId
          reason
        }
      }
      nextCursor
    }
  }
`);

export function WebhooksPage() {
  const [registry, setRegistry] = useState("");
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const [cursors, setCursors] = useState<string[]>([]);
  const [{ data, error }] = useQuery({
    query: DeliveriesQuery,
    variables: { registry: registry.trim() || null, status: status || null, cursor: cursors.at(-1) ?? null },
    requestPolicy: "network-only",
  });
  const page = data?.webhookDeliveries;
  return (
    <>
      <h1>Webhook deliveries</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter deliveries">
        <label>
          Registry
          <input type="search" value={registry} onChange={(e) => (setRegistry(e.target.value), setCursors([]))} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => (setStatus(e.target.value as DeliveryStatus | ""), setCursors([]))}>
            <option value="">any</option>
            <option>accepted</option>
            <option>ignored</option>
            <option>rejected</option>
          </select>
        </label>
      </form>
      <ErrorNote error={error} />
      {page && page.items.length === 0 ? <p>No deliveries.</p> : null}
      <ol className="deliveries">
        {page?.items.map((d) => (
          <li key={d.id} data-delivery={d.id}>
            <p>
              <strong>{d.registry}</strong> <span className={`status status-${d.status}`}>{d.status}</span> ({d.httpStatus}
              {d.format ? `, ${d.format}` : ""}) <Time iso={d.receivedAt} />: <span className="reason">{d.reason}</span>
              {d.count && d.count > 1 ? ` (${d.count} refusals)` : null}
            </p>
            {d.events.length ? (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Image</th>
                    <th scope="col">Digest</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {d.events.map((e, i) => (
                    <tr key={i}>
                      <td>{e.action}</td>
                      <td className="ref">{e.image ?? [e.repository, e.tag].filter(Boolean).join(":")}</td>
                      <td>
                        <Digest value={e.digest} />
                      </td>
                      <td>{e.jobId ? <a href={href("jobs", e.jobId)}>{e.outcome}</a> : e.outcome}</td>
                      <td className="reason">{e.reason ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </li>
        ))}
      </ol>
      <nav className="pager" aria-label="Pages of deliveries">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>
          Older
        </button>
      </nav>
    </>
  );
}
