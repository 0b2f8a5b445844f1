// One urql client per key: queries and mutations over HTTP POST /graphql, subscriptions over
// the graphql-ws socket (the key in connection_init). A 401/403 answer, a FORBIDDEN or
// UNAUTHENTICATED error, or a socket closed with 4401/4403 calls onAuthFailure: the console
// goes back to sign-in with that message.
import { createClient as createSocket } from "graphql-ws";
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange, type CombinedError } from "urql";

export type AuthFailure = (message: string) => void;

const endpoint = () => new URL("../graphql", window.location.href.split("#")[0]);

function authMessage(error: CombinedError): string | undefined {
  const status = (error.response as Response | undefined)?.status;
  if (status === 401) return "The API key was refused (401): it is unknown, or it was removed. Sign in again.";
  if (status === 403) return "The API key may not do that (403). Sign in with a key that has the scope.";
  for (const e of error.graphQLErrors) {
    if (e.extensions?.code === "UNAUTHENTICATED") return `The API key was refused: ${e.message}. Sign in again.`;
  }
  return undefined;
}

export function makeClient(key: string, onAuthFailure: AuthFailure): Client {
  const socketUrl = endpoint();
  socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";
  const socket = createSocket({
    url: socketUrl.href,
    connectionParams: { authorization: `Bearer ${key}` },
    lazy: true,
    retryAttempts: 5,
    shouldRetry: (e) => !(e instanceof CloseEvent && (e.code === 4401 || e.code === 4403)),
    on: {
      closed: (e) => {
        const code = (e as CloseEvent).code;
        if (code === 4401) onAuthFailure("The API key was refused on the live connection (4401). Sign in again.");
        if (code === 4403) onAuthFailure("The API key lacks the scope for live updates (4403).");
      },
    },
  });
  return new Client({
    url: endpoint().href,
    requestPolicy: "cache-and-network",
    // POST, as every other client of /graphql: nothing of a query lands in access logs' URLs
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${key}` } }),
    exchanges: [
      mapExchange({
        onError(error) {
          const message = authMessage(error);
          if (message) onAuthFailure(message);
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = socket.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
