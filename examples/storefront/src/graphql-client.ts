import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { createClient as createWsClient } from "graphql-ws";
import type { PageConfig } from "./page-config.ts";
import type { ShopperIdentity } from "./shopper-identity.ts";

export interface StorefrontClientOptions {
  config: PageConfig;
  identity: ShopperIdentity;
}

/**
 * The page's one urql client. Queries and the press go over HTTP POST; subscriptions over the
 * transport the configuration names, and this is the one place that knows which:
 *
 * - `sse`: urql's own fetch transport (`fetchSubscriptions`), Server-Sent Events from the same
 *   /graphql, with the identity's headers like every other request.
 * - `ws`: graphql-ws over WebSocket at the same /graphql (subprotocol `graphql-transport-ws`),
 *   the identity in `connectionParams` (a browser's WebSocket cannot send headers).
 *
 * No cache exchange: every read here must be fresh (a countdown's clock, a request's status).
 */
export function createStorefrontClient({ config, identity }: StorefrontClientOptions): Client {
  const http = {
    url: config.graphqlUrl,
    // POST always: a GET query would need Yoga's CSRF header, and gains nothing uncached.
    preferGetMethod: false as const,
    fetchOptions: () => ({ headers: identity.headers() }),
  };
  if (config.subscriptions === "sse")
    return new Client({ ...http, exchanges: [fetchExchange], fetchSubscriptions: true });

  const ws = createWsClient({
    url: config.graphqlUrl.replace(/^http/, "ws"),
    connectionParams: () => identity.connectionParams(),
    // The page resubscribes by itself (request-watch.ts); the socket only needs to come back.
    retryAttempts: Number.POSITIVE_INFINITY,
    lazy: true,
  });
  return new Client({
    ...http,
    exchanges: [
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink),
          }),
        }),
      }),
      fetchExchange,
    ],
  });
}
