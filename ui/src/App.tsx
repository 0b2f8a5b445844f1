// The console's frame: sign-in until a key is accepted, then the navigation and one page.
import { useCallback, useEffect, useMemo, useState } from "react";
import { Provider } from "urql";
import { makeClient } from "./client";
import { href, useRoute } from "./route";
import { session } from "./session";
import { fetchViewer, SignIn } from "./sign-in";
import { ViewerContext, type Viewer } from "./viewer";
import { JobsPage } from "./pages/jobs";
import { JobPage } from "./pages/job";
import { ImagesPage } from "./pages/images";
import { VulnerabilitiesPage } from "./pages/vulnerabilities";
import { WebhooksPage } from "./pages/webhooks";
import { PrunePage } from "./pages/prune";
import { SchedulesPage } from "./pages/schedules";
import { RegistriesPage } from "./pages/registries";

const PAGES = [
  { path: "jobs", title: "Jobs" },
  { path: "images", title: "Images" },
  { path: "vulnerabilities", title: "Vulnerabilities" },
  { path: "webhooks", title: "Webhooks" },
  { path: "schedules", title: "Schedules and watches" },
  { path: "prune", title: "Prune" },
  { path: "registries", title: "Registries", scope: "admin" },
] as const;

export function App() {
  const [key, setKey] = useState(session.key);
  const [viewer, setViewer] = useState<Viewer>();
  const [message, setMessage] = useState<string>();
  const signOut = useCallback((why?: string) => {
    session.clear();
    setKey(null);
    setViewer(undefined);
    setMessage(why);
  }, []);
  // a key kept from before a reload is checked again
  useEffect(() => {
    if (key && !viewer) fetchViewer(key).then(setViewer, (err: Error) => signOut(err.message));
  }, [key, viewer, signOut]);
  const client = useMemo(() => (key ? makeClient(key, signOut) : undefined), [key, signOut]);

  if (!key || !client) {
    return (
      <SignIn
        message={message}
        onSignedIn={(k, v) => {
          session.save(k);
          setKey(k);
          setViewer(v);
          setMessage(undefined);
        }}
      />
    );
  }
  if (!viewer) return <p role="status">Checking the key…</p>;
  return (
    <ViewerContext.Provider value={viewer}>
      <Provider value={client}>
        <Frame viewer={viewer} onSignOut={() => signOut()} />
      </Provider>
    </ViewerContext.Provider>
  );
}

function Frame({ viewer, onSignOut }: { viewer: Viewer; onSignOut: () => void }) {
  const [page = "jobs", id] = useRoute();
  const visible = PAGES.filter((p) => !("scope" in p) || viewer.scopes.includes(p.scope));
  const title = visible.find((p) => p.path === page)?.title ?? "Not found";
  useEffect(() => {
    document.title = `${id ? `Job ${id}` : title} · regops`;
  }, [title, id]);
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header>
        <strong>regops</strong>
        <nav aria-label="Pages">
          <ul>
            {visible.map((p) => (
              <li key={p.path}>
                <a href={href(p.path)} aria-current={p.path === page ? "page" : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {viewer.id} ({viewer.scopes.join(", ")})
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page === "jobs" && id ? <JobPage id={id} /> : null}
        {page === "jobs" && !id ? <JobsPage /> : null}
        {page === "images" ? <ImagesPage initialRef={id} /> : null}
        {page === "vulnerabilities" ? <VulnerabilitiesPage initialId={id} /> : null}
        {page === "webhooks" ? <WebhooksPage /> : null}
        {page === "schedules" ? <SchedulesPage /> : null}
        {page === "prune" ? <PrunePage /> : null}
        {page === "registries" && viewer.scopes.includes("admin") ? <RegistriesPage /> : null}
        {!visible.some((p) => p.path === page) ? <h1>Not found</h1> : null}
      </main>
    </>
  );
}
