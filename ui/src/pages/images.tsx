// Images: what regops knows of a reference (digest history, per-host digest and image id, tag
// kind, signatures, last verify and scan) and what its registry holds next to it (Notation and
// cosign signatures, SBOMs, attestations); a write key may refresh, scan or sign it and watch
// the job to its end.
import { useCallback, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import { ErrorNote } from "../parts/bits";
import { Digest } from "../parts/digest";
import { JobStatus } from "../parts/job-live";
import { Time } from "../parts/time";
import { href } from "../route";
import { useCan } from "../viewer";

const ImageQuery = graphql(`
  query Image($ref: String!) {
    image(ref: $ref) {
      ref
      tagKind
      digest
      mediaType
      checkedAt
      history {
        digest
        seenAt
        jobId
      }
      hosts
      signatures {
        role
        digest
        signedAt
        jobId
      }
      verification {
        match
        registryDigest
        signedDigest
        checkedAt
      }
      scan {
        jobId
        digest
        engine
        scannedAt
        findings
        bySeverity
        passed
      }
    }
  }
`);

// Asked apart from the image: it costs a registry call, and a registry that does not answer must
// not hide what regops itself knows of the image.
const ReferrersQuery = graphql(`
  query ImageReferrers($ref: String!) {
    image(ref: $ref) {
      referrers {
        digest
        mediaType
        artifactType
        size
        annotations
      }
    }
  }
`);

const KINDS: Record<string, string> = {
  "application/vnd.cncf.notary.signature": "Notation signature",
  "application/vnd.dev.sigstore.bundle.v0.3+json": "cosign signature (Sigstore bundle)",
  "application/vnd.dev.sigstore.bundle+json;version=0.3": "cosign signature (Sigstore bundle)",
};

const RefreshImage = graphql(`
  mutation RefreshImage($image: String!) {
    refresh(input: { image: $image }) {
      id
    }
  }
`);
const ScanImage = graphql(`
  mutation ScanImage($image: String!) {
    scan(input: { image: $image }) {
      id
    }
  }
`);
const SignImage = graphql(`
  mutation SignImage($image: String!) {
    sign(input: { image: $image }) {
      id
    }
  }
`);

type HostEntry = { digest?: string; imageId?: string; pulledAt?: string };

export function ImagesPage({ initialRef }: { initialRef?: string }) {
  const [input, setInput] = useState(initialRef ?? "");
  const [ref, setRef] = useState(initialRef ?? "");
  const [{ data, error, fetching }, reexecute] = useQuery({ query: ImageQuery, variables: { ref }, pause: !ref });
  const reload = useCallback(() => reexecute({ requestPolicy: "network-only" }), [reexecute]);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setRef(input.trim());
    window.history.replaceState(null, "", href("images", input.trim()));
  };
  const image = data?.image;
  return (
    <>
      <h1>Images</h1>
      <form role="search" onSubmit={search} aria-label="Find an image">
        <label>
          Reference
          <input type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder="127.0.0.1:5000/team/app:v1" required />
        </label>
        <button type="submit">Show</button>
      </form>
      <ErrorNote error={error} />
      {ref ? <Actions image={ref} onDone={reload} /> : null}
      {ref && !fetching && data && !image ? <p>regops has not seen {ref} yet.</p> : null}
      {image ? (
        <>
          <h2 className="ref">{image.ref}</h2>
          <dl className="facts">
            <dt>Digest</dt>
            <dd>
              <Digest value={image.digest} />
            </dd>
            <dt>Tag kind</dt>
            <dd>{image.tagKind ?? "—"}</dd>
            <dt>Checked</dt>
            <dd>
              <Time iso={image.checkedAt} />
            </dd>
            <dt>Last scan</dt>
            <dd>
              {image.scan ? (
                <>
                  <a href={href("jobs", image.scan.jobId)}>{image.scan.findings} findings</a> ({Object.entries((image.scan.bySeverity ?? {}) as Record<string, number>).map(([s, n]) => `${s} ${n}`).join(", ") || "none"}),{" "}
                  {image.scan.passed ? "passed" : "failed"} its gate, <Time iso={image.scan.scannedAt} />
                </>
              ) : (
                "never scanned"
              )}
            </dd>
            <dt>Verified</dt>
            <dd>{image.verification ? <>{image.verification.match ? "signature matches" : "signature does NOT match"}, <Time iso={image.verification.checkedAt} /></> : "—"}</dd>
          </dl>
          <h3>On Docker hosts</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Digest</th>
                <th scope="col">Image id</th>
                <th scope="col">Pulled</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries((image.hosts ?? {}) as Record<string, HostEntry>).map(([host, h]) => (
                <tr key={host}>
                  <td>{host}</td>
                  <td>
                    <Digest value={h.digest} />
                  </td>
                  <td>
                    <Digest value={h.imageId} />
                  </td>
                  <td>
                    <Time iso={h.pulledAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Digest history</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Digest</th>
                <th scope="col">Seen</th>
                <th scope="col">Job</th>
              </tr>
            </thead>
            <tbody>
              {image.history.map((h) => (
                <tr key={`${h.digest}${h.seenAt}`}>
                  <td>
                    <Digest value={h.digest} />
                  </td>
                  <td>
                    <Time iso={h.seenAt} />
                  </td>
                  <td>
                    <a href={href("jobs", h.jobId)}>{h.jobId.slice(0, 13)}…</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Referrers imageRef={ref} />
          <h3>Signatures (Notary v1)</h3>
          {image.signatures.length === 0 ? <p>None made by regops.</p> : null}
          <ul>
            {image.signatures.map((s) => (
              <li key={s.role + s.signedAt}>
                {s.role}: <Digest value={s.digest} />, <Time iso={s.signedAt} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function Referrers({ imageRef }: { imageRef: string }) {
  const [{ data, error, fetching }] = useQuery({ query: ReferrersQuery, variables: { ref: imageRef } });
  const referrers = data?.image?.referrers ?? [];
  return (
    <>
      <h3>Signatures and other referrers in the registry</h3>
      <ErrorNote error={error} />
      {fetching ? <p>Asking the registry…</p> : null}
      {!fetching && !error && referrers.length === 0 ? <p>None: nothing in the registry names this digest as its subject.</p> : null}
      {referrers.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Digest</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {referrers.map((r) => (
              <tr key={r.digest}>
                <td title={r.artifactType ?? r.mediaType}>{KINDS[r.artifactType ?? ""] ?? r.artifactType ?? r.mediaType}</td>
                <td>
                  <Digest value={r.digest} />
                </td>
                <td>{r.size} B</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function Actions({ image, onDone }: { image: string; onDone: () => void }) {
  const canWrite = useCan("write");
  const [refreshed, refresh] = useMutation(RefreshImage);
  const [scanned, scan] = useMutation(ScanImage);
  const [signed, sign] = useMutation(SignImage);
  const [jobId, setJobId] = useState<string>();
  if (!canWrite) return null;
  // each mutation answers { <field>: { id } }: the job to follow
  const run = async (action: (v: { image: string }) => Promise<{ data?: object }>) => {
    const data = (await action({ image })).data as Record<string, { id: string }> | undefined;
    const id = data && Object.values(data)[0]?.id;
    if (id) setJobId(id);
  };
  return (
    <div className="actions">
      <button type="button" onClick={() => void run(refresh)}>
        Refresh
      </button>
      <button type="button" onClick={() => void run(scan)}>
        Scan
      </button>
      <button type="button" onClick={() => void run(sign)}>
        Sign
      </button>
      {jobId ? <JobStatus key={jobId} id={jobId} onFinal={onDone} /> : null}
      <ErrorNote error={refreshed.error ?? scanned.error ?? signed.error} />
    </div>
  );
}
