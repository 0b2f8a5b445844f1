// Vulnerabilities: who is affected by an advisory id or alias (CVE, GHSA, DSA ...): the digests,
// their references, the vulnerable packages and the Docker hosts that hold them.
import { useState, type FormEvent } from "react";
import { useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote } from "../parts/bits";
import { Digest } from "../parts/digest";
import { href } from "../route";

const VulnerabilityQuery = graphql(`
  query Vulnerability($id: String!) {
    vulnerability(id: $id) {
      id
      affected {
        digest
        refs
        packages {
          package
          installedVersion
          fixedVersion
          severity
        }
        hosts {
          host
          ref
          imageId
        }
      }
    }
  }
`);

export function VulnerabilitiesPage({ initialId }: { initialId?: string }) {
  const [input, setInput] = useState(initialId ?? "");
  const [id, setId] = useState(initialId ?? "");
  const [{ data, error, fetching }] = useQuery({ query: VulnerabilityQuery, variables: { id }, pause: !id });
  const search = (e: FormEvent) => {
    e.preventDefault();
    setId(input.trim());
    window.history.replaceState(null, "", href("vulnerabilities", input.trim()));
  };
  const affected = data?.vulnerability.affected ?? [];
  return (
    <>
      <h1>Vulnerabilities</h1>
      <form role="search" onSubmit={search} aria-label="Find who is affected">
        <label>
          Advisory id or alias
          <input type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder="CVE-2024-3094" required />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={error} />
      {id && data && !fetching ? <p role="status">{affected.length === 0 ? `No scanned image is affected by ${id}.` : `${affected.length} affected image(s).`}</p> : null}
      {affected.length ? (
        <table className="affected">
          <thead>
            <tr>
              <th scope="col">Digest</th>
              <th scope="col">References</th>
              <th scope="col">Packages</th>
              <th scope="col">Docker hosts</th>
            </tr>
          </thead>
          <tbody>
            {affected.map((a) => (
              <tr key={a.digest}>
                <td>
                  <Digest value={a.digest} />
                </td>
                <td>
                  {a.refs.map((r) => (
                    <div key={r} className="ref">
                      <a href={href("images", r)}>{r}</a>
                    </div>
                  ))}
                </td>
                <td>
                  {a.packages.map((p) => (
                    <div key={p.package + p.installedVersion}>
                      {p.package} {p.installedVersion} ({p.severity}
                      {p.fixedVersion ? `, fixed in ${p.fixedVersion}` : ", no fix"})
                    </div>
                  ))}
                </td>
                <td>
                  {a.hosts.length === 0 ? "none" : null}
                  {a.hosts.map((h) => (
                    <div key={h.host + h.ref} className="host">
                      {h.host}: {h.ref}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
