// Registries (admin): configured and API-added registries, their rate-limit budget and
// back-off, and whether their credentials can be used.
import { useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote } from "../parts/bits";
import { Time } from "../parts/time";

const RegistriesQuery = graphql(`
  query Registries {
    registries {
      id
      url
      kind
      insecure
      source
      auth {
        type
        set
        error
      }
      limits {
        maxConcurrency
        requestsPerSecond
      }
      rateLimit {
        limit
        remaining
        windowSeconds
        limitedUntil
        limitedCount
      }
    }
  }
`);

export function RegistriesPage() {
  const [{ data, error }] = useQuery({ query: RegistriesQuery, requestPolicy: "network-only" });
  return (
    <>
      <h1>Registries</h1>
      <ErrorNote error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">URL</th>
            <th scope="col">Kind</th>
            <th scope="col">Credentials</th>
            <th scope="col">Limits</th>
            <th scope="col">Rate limit</th>
          </tr>
        </thead>
        <tbody>
          {data?.registries.map((r) => (
            <tr key={r.id}>
              <td>
                {r.id} <small>({r.source})</small>
              </td>
              <td className="ref">
                {r.url}
                {r.insecure ? " (insecure)" : ""}
              </td>
              <td>{r.kind}</td>
              <td>{r.auth.error ? <span className="error">{r.auth.error}</span> : r.auth.set ? r.auth.type : "none"}</td>
              <td>
                {r.limits.maxConcurrency ?? "∞"} at once, {r.limits.requestsPerSecond ?? "∞"}/s
              </td>
              <td>
                {r.rateLimit ? (
                  <>
                    {r.rateLimit.remaining ?? "?"}/{r.rateLimit.limit ?? "?"} left
                    {r.rateLimit.limitedUntil ? (
                      <>
                        , backing off until <Time iso={r.rateLimit.limitedUntil} />
                      </>
                    ) : null}
                  </>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
