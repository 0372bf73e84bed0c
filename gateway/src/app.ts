import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { Kafka } from "@upstash/kafka";
import { Redis } from "@upstash/redis";
import { createYoga } from "graphql-yoga";
import { createInternalApiClient } from "#shared/internal-api/internal-api-client.ts";
import { createEventSigner } from "#shared/issue-event-signature.ts";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createCouponLookups } from "./admission/coupon-lookups.ts";
import { createIssueCoupon, type IssueCouponDeps } from "./admission/issue-coupon.ts";
import type { GatewayConfig } from "./config.ts";
import { createIssueEventProducer } from "./events/issue-event-producer.ts";
import { GRAPHIQL_DEFAULT_QUERY } from "./graphiql-examples.ts";
import { createOfflineGraphiql } from "./graphiql-page.ts";
import { rateLimitAddress } from "./identity/client-address.ts";
import { createResolveCaller } from "./identity/resolve-caller.ts";
import { PROJECT_DOCUMENTS } from "./project-documents.ts";
import { useBodyLimit } from "./protection/body-limit.ts";
import { corsPolicy, useVaryOnOrigin } from "./protection/cors-policy.ts";
import { useCsrfPrevention } from "./protection/csrf-prevention.ts";
import { operationLimitPlugins } from "./protection/operation-limits.ts";
import { trustedDocumentPlugins } from "./protection/trusted-documents.ts";
import { createUpstashScriptTransport } from "./redis/upstash-script-transport.ts";
import type { GatewayContext } from "./schema/builder.ts";
import { schema } from "./schema/index.ts";
import { createErrorMask } from "./schema/mask-error.ts";
import { createRequestIndex } from "./status/request-index.ts";
import { createRequestStatus } from "./status/request-status.ts";
import { createSubscriptionSlots } from "./status/subscription-slots.ts";

/**
 * What the runtime's entry point hands the app with each request (`app.fetch(request, context)` on
 * Deno, the third argument of the Node listener): what a Web-standard Request does not carry.
 */
export interface GatewayServerContext {
  /** The socket's peer address: the client, unless a trusted proxy names another. */
  clientAddress?: string;
}

export interface GatewayAppOptions {
  /** Test seam: runs between admission and produce (the fault suite crashes the process there). */
  afterAdmission?: IssueCouponDeps["afterAdmission"];
}

/**
 * The gateway as one Web-standard fetch handler: the same app is served by Deno.serve, by Node's
 * http server, or by any runtime that speaks Request/Response.
 */
export function createGatewayApp(
  config: GatewayConfig,
  { afterAdmission }: GatewayAppOptions = {},
) {
  // Raw strings back from Redis: the scripts' replies are parsed by the admission store.
  const redis = new Redis({
    url: config.redisRest.url,
    token: config.redisRest.token,
    automaticDeserialization: false,
  });
  const kafka = new Kafka(config.kafkaRest);
  const store = createAdmissionStore(createUpstashScriptTransport(redis), {
    keyPrefix: config.redisKeyPrefix,
  });
  const internalApi = createInternalApiClient(config.internalApi);
  const requestIndex = createRequestIndex(redis, store.keys);
  const producer = createIssueEventProducer({
    kafka,
    signer: createEventSigner(config.eventSigningKey),
    topic: config.issueTopic,
    timeoutMs: config.produceTimeoutMs,
  });
  const resolveCaller = createResolveCaller(config.identity);
  const couponLookups = createCouponLookups({
    internalApi,
    unknownTtlMs: config.unknownCouponTtlMs,
  });
  const services: GatewayContext["services"] = {
    store,
    internalApi,
    couponLookups,
    issueCoupon: createIssueCoupon({
      store,
      producer,
      internalApi,
      requestIndex,
      lookups: couponLookups,
      rateLimits: config.rateLimits,
      afterAdmission,
    }),
    requestStatus: createRequestStatus({
      redis,
      store,
      requestIndex,
      internalApi,
      timeoutMs: config.subscriptions.timeoutMs,
      idleTimeoutMs: config.subscriptions.idleTimeoutMs,
    }),
    subscriptionSlots: createSubscriptionSlots(config.subscriptions),
  };

  const errors = createErrorMask();
  const addressOptions = {
    trustedProxy: config.trustedProxy,
    // Local load tests run many users from one address (docs/architecture.md, "Pinned names").
    exemptLoopback: config.development,
  };

  return createYoga<GatewayServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    healthCheckEndpoint: "/health",
    landingPage: false,
    cors: corsPolicy(config.corsOrigins),
    plugins: [
      // Cheapest refusals first: the body's size, then CSRF, then the operation's shape.
      useBodyLimit({ maxBytes: config.maxBodyBytes }),
      useCsrfPrevention(),
      ...trustedDocumentPlugins({ mode: config.trustedDocuments, documents: PROJECT_DOCUMENTS }),
      ...operationLimitPlugins(config.operationLimits, { hideSuggestions: !config.introspection }),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      ...(config.corsOrigins.length > 0 ? [useVaryOnOrigin()] : []),
    ],
    graphiql: config.graphiql
      ? { title: "coupon drop", defaultQuery: GRAPHIQL_DEFAULT_QUERY }
      : false,
    renderGraphiQL: createOfflineGraphiql(),
    // A token that fails throws here, and the whole request is answered 401 (schema/errors.ts).
    context: async ({ request, clientAddress }) => ({
      caller: await resolveCaller(request),
      devMode: config.identity.mode === "development",
      services,
      request,
      rateLimitAddress: rateLimitAddress(request, clientAddress, addressOptions),
    }),
    // A dependency that blinked is the caller's cue to retry, not an internal error: see mask-error.ts.
    maskedErrors: { maskError: errors.maskError },
    logging: errors.logger,
  });
}
