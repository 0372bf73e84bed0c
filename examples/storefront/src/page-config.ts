/**
 * What the page is told at run time by the server that serves it (`/config.json`): which gateway
 * to call and how to subscribe. One build then serves any deployment; a shop serving the page from
 * a CDN writes the file beside the bundle.
 */
export interface PageConfig {
  /** The gateway's GraphQL endpoint, e.g. `https://api.shop.example/graphql`. */
  graphqlUrl: string;
  /** `sse`: Server-Sent Events over fetch (the gateway's default); `ws`: graphql-ws over WebSocket. */
  subscriptions: SubscriptionTransport;
}

export const SUBSCRIPTION_TRANSPORTS = ["sse", "ws"] as const;
export type SubscriptionTransport = (typeof SUBSCRIPTION_TRANSPORTS)[number];

/** The page's configuration from `url`; throws one line saying what is wrong with it. */
export async function loadPageConfig(url = "/config.json"): Promise<PageConfig> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return parsePageConfig(await response.json());
}

export function parsePageConfig(value: unknown): PageConfig {
  const { graphqlUrl, subscriptions = "sse" } = (value ?? {}) as Record<string, unknown>;
  if (typeof graphqlUrl !== "string" || !/^https?:\/\//.test(graphqlUrl))
    throw new Error(`graphqlUrl must be an http(s) URL (got ${JSON.stringify(graphqlUrl)})`);
  if (!SUBSCRIPTION_TRANSPORTS.includes(subscriptions as SubscriptionTransport))
    throw new Error(`subscriptions must be one of ${SUBSCRIPTION_TRANSPORTS.join(", ")}`);
  return { graphqlUrl, subscriptions: subscriptions as SubscriptionTransport };
}
