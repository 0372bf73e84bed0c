import { z } from "zod";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import { parseOrThrow } from "#shared/describe-issues.ts";
import { listenAddressFromUrl } from "#shared/http-kit/listen-address.ts";
import { readLogSettings } from "#shared/logging/logger.ts";
import { SUBSCRIPTION_TRANSPORTS } from "../src/page-config.ts";

const envSchema = z.object({
  /** Where the storefront is served: its listen address, and the origin the gateway allows. */
  STOREFRONT_URL: z.url({ protocol: /^https?$/ }).default(LOCAL_DEFAULTS.STOREFRONT_URL),
  /** Bind here instead of STOREFRONT_URL's host (e.g. 0.0.0.0 in a container). */
  STOREFRONT_BIND_HOST: z.string().min(1).optional(),
  /** The gateway the page calls. Default: the local gateway on PORT. */
  STOREFRONT_GRAPHQL_URL: z.url({ protocol: /^https?$/ }).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(Number(LOCAL_DEFAULTS.PORT)),
  /** How the page subscribes: Server-Sent Events (`sse`) or graphql-ws over WebSocket (`ws`). */
  STOREFRONT_SUBSCRIPTIONS: z.enum(SUBSCRIPTION_TRANSPORTS).default("sse"),
});

export type StorefrontConfig = ReturnType<typeof readStorefrontConfig>;

/** The storefront server's configuration, read once; throws one line naming what to set. */
export function readStorefrontConfig(env: Record<string, string | undefined> = process.env) {
  const c = parseOrThrow(envSchema, env, "storefront configuration");
  return {
    listen: listenAddressFromUrl(c.STOREFRONT_URL, c.STOREFRONT_BIND_HOST),
    url: c.STOREFRONT_URL,
    page: {
      graphqlUrl: c.STOREFRONT_GRAPHQL_URL ?? `http://${LOCAL_DEFAULTS.HOST}:${c.PORT}/graphql`,
      subscriptions: c.STOREFRONT_SUBSCRIPTIONS,
    },
    log: readLogSettings(env),
  };
}
