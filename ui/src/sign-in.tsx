// Sign-in: paste an API key; it is checked with `viewer` before it is kept.
import { useState, type FormEvent } from "react";
import type { Viewer } from "./viewer";
import { graphql } from "./gql";
import { makeClient } from "./client";

const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      scopes
    }
  }
`);

export async function fetchViewer(key: string): Promise<Viewer> {
  let refused: string | undefined;
  const client = makeClient(key, (m) => (refused = m));
  const result = await client.query(ViewerQuery, {}, { requestPolicy: "network-only" }).toPromise();
  if (refused) throw new Error(refused);
  if (result.error || !result.data) throw new Error(result.error?.message ?? "no answer from /graphql");
  return result.data.viewer;
}

export function SignIn({ message, onSignedIn }: { message?: string; onSignedIn: (key: string, viewer: Viewer) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>(message);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      onSignedIn(key.trim(), await fetchViewer(key.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>regops console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required autoFocus />
        <p className="help">Kept in this tab only (sessionStorage). A read key sees everything; write and admin keys may also act.</p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !key.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
