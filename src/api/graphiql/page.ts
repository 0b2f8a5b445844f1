// The GraphiQL page and its start-up script. Both are served by this process (index.ts), as are
// React, ReactDOM and GraphiQL themselves, from their npm packages: the page works on a machine
// with no internet, and registers no service worker (a browser fetches one without the API key).
// The page needs no key; every GraphQL request carries the headers typed into GraphiQL's headers
// editor, as over curl.

/** What the page loads, in order: each name is a route under /graphiql/assets/. */
export interface PageAssets {
  stylesheets: readonly string[];
  scripts: readonly string[];
}

const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The page at /graphiql; asset URLs are relative to it, so a path prefix in front still works. */
export function graphiqlHtml(assets: PageAssets): string {
  const links = assets.stylesheets.map((href) => `<link rel="stylesheet" href="graphiql/assets/${escapeAttr(href)}">`);
  const scripts = assets.scripts.map((src) => `<script src="graphiql/assets/${escapeAttr(src)}"></script>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>regops · GraphiQL</title>
<meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
${links.join("\n")}
</head>
<body style="margin:0">
<div id="graphiql" style="height:100vh"></div>
${scripts.join("\n")}
</body>
</html>
`;
}

/**
 * Runs in the browser after React, ReactDOM and GraphiQL (their UMD builds set the globals).
 * A request is sent only once the headers editor names an Authorization header: until then the
 * answer is an explanation, not a 401 from the server. The WebSocket for subscriptions gets the
 * same headers in its connection_init payload (graphql/ws-auth.ts reads `headers.Authorization`).
 */
export const GRAPHIQL_MAIN_JS = `"use strict";
(function () {
  var endpoint = new URL("graphql", window.location.href);
  var socketEndpoint = new URL(endpoint.href);
  socketEndpoint.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";
  var NO_KEY = 'regops needs an API key: type {"Authorization": "Bearer <key>"} in the Headers tab below, ' +
    "then run the query (or re-fetch the schema, Shift+Ctrl+R, for the docs and completion).";
  var fetchers = new Map();

  function authorization(headers) {
    for (var name in headers) if (name.toLowerCase() === "authorization" && headers[name]) return headers[name];
    return undefined;
  }

  // one fetcher (and one WebSocket client) per set of headers
  function fetcherFor(headers) {
    var key = JSON.stringify(headers);
    var fetcher = fetchers.get(key);
    if (!fetcher) {
      fetcher = GraphiQL.createFetcher({
        url: endpoint.href,
        subscriptionUrl: socketEndpoint.href,
        wsConnectionParams: { headers: headers },
      });
      fetchers.set(key, fetcher);
    }
    return fetcher;
  }

  function fetcher(params, options) {
    var headers = (options && options.headers) || {};
    if (!authorization(headers)) return Promise.resolve({ errors: [{ message: NO_KEY }] });
    return fetcherFor(headers)(params, options);
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: "headers",
      // the key stays in this tab's memory, not in the browser's storage
      shouldPersistHeaders: false,
    }),
  );
})();
`;
