import { Kafka } from "@upstash/kafka";
import { Redis } from "@upstash/redis";
import type { GraphQLError } from "graphql";
import { createYoga } from "graphql-yoga";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import { createHostPolicy } from "#shared/http-kit/host-policy.ts";
import { createInternalApiClient } from "#shared/internal-api/internal-api-client.ts";
import type { IssueEvent } from "#shared/issue-event.ts";
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
import { createWatchTokens } from "./identity/watch-token.ts";
import { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
import { useMetricsEndpoint } from "./metrics/use-metrics-endpoint.ts";
import { usePressFastPath } from "./press/use-press-fast-path.ts";
import { PROJECT_DOCUMENTS } from "./project-documents.ts";
import { useBodyLimit } from "./protection/body-limit.ts";
import { corsPolicy, useVaryOnOrigin } from "./protection/cors-policy.ts";
import { useCsrfPrevention } from "./protection/csrf-prevention.ts";
import { useDisableIntrospection } from "./protection/disable-introspection.ts";
import { createHostCheck, useHostCheck } from "./protection/host-check.ts";
import { operationLimitPlugins } from "./protection/operation-limits.ts";
import {
  createTrustedDocumentStore,
  createTrustedParams,
  type TrustedDocuments,
  trustedDocumentPlugins,
} from "./protection/trusted-documents.ts";
import { createRedisPipeline } from "./redis/redis-pipeline.ts";
import { createUpstashScriptTransport } from "./redis/upstash-script-transport.ts";
import type { GatewayContext, GatewayServices } from "./schema/builder.ts";
import { schema } from "./schema/index.ts";
import { createErrorMask } from "./schema/mask-error.ts";
import { createRequestIndex } from "./status/request-index.ts";
import { createRequestStatus } from "./status/request-status.ts";
import { createSubscriptionSlots } from "./status/subscription-slots.ts";
import { useApolloMultipartSubscriptions } from "./transports/apollo-multipart.ts";
import { useGraphqlSseSingleConnection } from "./transports/graphql-sse-single-connection.ts";
import { createGraphqlWsConnections } from "./websocket/graphql-ws-connections.ts";
import { useWebSocketUpgrade, type WebSocketUpgrade } from "./websocket/use-websocket-upgrade.ts";

/**
 * What the runtime's entry point hands the app with each request (`app.fetch(request, context)` on
 * Deno, the third argument of the Node listener): what a Web-standard Request does not carry.
 */
export interface GatewayServerContext {
  /** The socket's peer address: the client, unless a trusted proxy names another. */
  clientAddress?: string;
  /** On Workers: keeps the Worker alive for work Yoga finishes after the response. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface GatewayHandlerOptions {
  /**
   * Whether graphql-sse's single-connection mode is served: its streams live in one process's
   * memory, which a Worker is not (main-workers.ts turns it off). Default true.
   */
  singleConnectionSse?: boolean;
  /**
   * The runtime's WebSocket upgrade, where it is a Request-to-Response step (Deno, Workers): GraphQL
   * over WebSocket is then served by the plugin chain. Node's upgrades arrive beside the request
   * listener and are handed to `webSockets` by its entry (main-node.ts).
   */
  upgradeWebSocket?: WebSocketUpgrade;
  /** Whether presses take the fast path; off, Yoga's executor answers them (the parity test compares). Default on. */
  pressFastPath?: boolean;
}

export interface GatewayAppOptions extends GatewayHandlerOptions {
  /** Test seam: runs between admission and produce (the fault suite crashes the process there). */
  afterAdmission?: IssueCouponDeps["afterAdmission"];
}

/**
 * The gateway as one Web-standard fetch handler: the same app is served by Deno.serve, by Node's
 * http server, or by any runtime that speaks Request/Response. Here the services are wired to
 * Redis and Kafka through their REST proxies and to the internal API.
 */
export function createGatewayApp(
  config: GatewayConfig,
  { afterAdmission, ...handlerOptions }: GatewayAppOptions = {},
) {
  // Raw strings back from Redis: the scripts' replies are parsed by the admission store. Replies
  // as plain JSON, not base64 (every reply the gateway reads is ASCII), and no telemetry headers:
  // both cost CPU on every call and tell Redis nothing.
  const redis = new Redis({
    url: config.redisRest.url,
    token: config.redisRest.token,
    automaticDeserialization: false,
    responseEncoding: false,
    enableTelemetry: false,
  });
  const kafka = new Kafka(config.kafkaRest);
  // The presses' commands and events, coalesced across requests (shared/src/coalescer.ts).
  const pipeline = createRedisPipeline({ redis, ...config.coalescing });
  const store = createAdmissionStore(createUpstashScriptTransport(redis, pipeline), {
    keyPrefix: config.redisKeyPrefix,
  });
  const internalApi = createInternalApiClient(config.internalApi);
  const requestIndex = createRequestIndex(redis, pipeline, store.keys);
  const metrics = createGatewayMetrics();
  const kafkaProducer = createIssueEventProducer({
    kafka,
    signer: createEventSigner(config.eventSigningKey),
    topic: config.issueTopic,
    timeoutMs: config.produceTimeoutMs,
    ...config.coalescing,
  });
  // Without Kafka nothing would ever persist a KAFKA coupon's press: it is refused at once (and its
  // admission withdrawn) rather than after a produce's deadline with an invitation to retry.
  const producer = config.pipelines.includes("KAFKA")
    ? { produce: metrics.timeProduce((event: IssueEvent) => kafkaProducer.produce(event)) }
    : {
        async produce(event: IssueEvent): Promise<void> {
          throw PipelineDisabledError.pressRefused(event.couponId, "KAFKA", config.pipelines);
        },
      };
  const couponLookups = createCouponLookups({
    internalApi,
    unknownTtlMs: config.unknownCouponTtlMs,
  });
  const services: GatewayServices = {
    store,
    metrics,
    internalApi,
    couponLookups,
    // Counted and timed here, whichever way the press went (the fast path or Yoga's resolver).
    issueCoupon: metrics.timePresses(
      createIssueCoupon({
        store,
        producer,
        internalApi,
        requestIndex,
        lookups: couponLookups,
        rateLimits: config.rateLimits,
        afterAdmission,
      }),
    ),
    requestStatus: createRequestStatus({
      redis,
      store,
      requestIndex,
      internalApi,
      timeoutMs: config.subscriptions.timeoutMs,
      idleTimeoutMs: config.subscriptions.idleTimeoutMs,
    }),
    subscriptionSlots: createSubscriptionSlots(config.subscriptions),
    watchTokens: createWatchTokens(config.watchTokens),
  };
  return createGatewayHandler(config, services, handlerOptions);
}

/** Why graphql-sse's single-connection mode is not served here, or null when it is. */
function singleConnectionRefusal(config: GatewayConfig, served: boolean): string | null {
  const instead = "use distinct connections (graphql-sse's default), served at the same endpoint";
  if (!served)
    return `graphql-sse's single-connection mode is not served on this runtime (its streams live in one process's memory): ${instead}`;
  if (config.trustedDocuments.mode !== "off")
    return `graphql-sse's single-connection mode is not served with TRUSTED_DOCUMENTS=${config.trustedDocuments.mode} (its operations would pass by the check): ${instead}`;
  return null;
}

/**
 * The GraphQL server over `services`: one Yoga, one plugin chain, the press fast path a plugin in it
 * (press/use-press-fast-path.ts).
 */
export function createGatewayHandler(
  config: GatewayConfig,
  services: GatewayServices,
  {
    singleConnectionSse = true,
    upgradeWebSocket,
    pressFastPath = true,
  }: GatewayHandlerOptions = {},
) {
  const resolveCaller = createResolveCaller(config.identity);
  const errors = createErrorMask();
  const trustedDocuments: TrustedDocuments = {
    mode: config.trustedDocuments.mode,
    store: createTrustedDocumentStore({
      documents: PROJECT_DOCUMENTS,
      byId: config.trustedDocuments.manifest,
    }),
  };
  const hostCheck = createHostCheck({
    hosts: createHostPolicy({
      listenHost: config.host,
      allowedHosts: config.httpLimits.allowedHosts,
    }),
    refuseForwarded: config.development && config.trustedProxy === null,
  });
  // GraphQL over WebSocket (graphql-ws): each operation through this Yoga's envelop.
  const webSockets = createGraphqlWsConnections({
    yoga: () => yoga,
    resolveCaller,
    trustedParams: createTrustedParams(trustedDocuments),
    errors,
    corsOrigins: config.corsOrigins,
    connectionInitWaitTimeoutMs: config.webSockets.connectionInitWaitTimeoutMs,
    idleTimeoutMs: config.subscriptions.idleTimeoutMs,
    maxMessageBytes: config.maxBodyBytes,
  });
  const addressOptions = {
    trustedProxy: config.trustedProxy,
    // Local load tests run many users from one address (docs/architecture.md, "Pinned names").
    exemptLoopback: config.development,
  };
  const devMode = config.identity.mode === "development";

  const yoga = createYoga<GatewayServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    healthCheckEndpoint: "/health",
    landingPage: false,
    cors: corsPolicy(config.corsOrigins),
    plugins: [
      // Before anything: a name this gateway does not serve (DNS rebinding), or in development mode
      // a forwarded request, is refused unread.
      useHostCheck(hostCheck),
      // A scrape is no GraphQL request: answered before anything reads a body.
      ...(config.metrics
        ? [useMetricsEndpoint({ registry: services.metrics.registry, token: config.metrics.token })]
        : []),
      // Cheapest refusals first: the body's size, then CSRF, then the operation's shape.
      useBodyLimit({ maxBytes: config.maxBodyBytes }),
      // graphql-sse's single-connection requests (PUT, or a stream token), answered before Yoga
      // parses them; every other request goes on down the chain. Its reservations need a preflight
      // (PUT, a custom header), so the CSRF check below has nothing to add.
      useGraphqlSseSingleConnection({
        endpoint: "/graphql",
        resolveCaller,
        perCaller: config.subscriptions.perCaller,
        total: config.subscriptions.total,
        errorResult: (error) => {
          const masked = errors.maskError(error, "Unexpected error.");
          // As Yoga's own wrapper: an error the mask replaced is logged.
          if (masked !== error) errors.logger.error(error);
          return { errors: [masked as GraphQLError] };
        },
        notServed: singleConnectionRefusal(config, singleConnectionSse),
      }),
      // Before CSRF prevention: a browser cannot add its headers to an upgrade, and what guards a
      // WebSocket is the origin check here (and an identity never carried by a cookie).
      ...(upgradeWebSocket
        ? [
            useWebSocketUpgrade({
              upgrade: upgradeWebSocket,
              connections: webSockets,
              endpoint: "/graphql",
              requestOf: (request, serverContext: GatewayServerContext) => ({
                url: request.url,
                clientAddress: serverContext.clientAddress,
              }),
            }),
          ]
        : []),
      useCsrfPrevention(),
      ...trustedDocumentPlugins(trustedDocuments),
      ...operationLimitPlugins(config.operationLimits, { hideSuggestions: !config.introspection }),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      ...(config.corsOrigins.length > 0 ? [useVaryOnOrigin()] : []),
      // Subscription transports beside Yoga's own SSE (README, "Subscriptions over HTTP").
      useApolloMultipartSubscriptions(),
      // Last: every plugin above that acts in onRequest runs for a press, and the later stages'
      // checks of the ones above (CSRF, trusted documents, operation limits) hold for it (see there).
      ...(pressFastPath
        ? [
            usePressFastPath({
              services,
              resolveCaller,
              addressOptions,
              trustedDocuments,
              devMode,
              maxPressBytes: Math.min(8192, config.maxBodyBytes),
              onAnswered: () => services.metrics.countFastPathPress(),
            }),
          ]
        : []),
    ],
    graphiql: config.graphiql
      ? { title: "coupon drop", defaultQuery: GRAPHIQL_DEFAULT_QUERY }
      : false,
    renderGraphiQL: createOfflineGraphiql(),
    // A token that fails throws here, and the whole request is answered 401 (schema/errors.ts).
    context: async ({ request, clientAddress }) => ({
      caller: await resolveCaller(request),
      devMode,
      services,
      request,
      rateLimitAddress: rateLimitAddress(request, clientAddress, addressOptions),
    }),
    // A dependency that blinked is the caller's cue to retry, not an internal error: see mask-error.ts.
    maskedErrors: { maskError: errors.maskError },
    logging: errors.logger,
  });

  return {
    /** The whole GraphQL server, also a Node request listener (main-node.ts). */
    yoga,
    /** GraphQL over WebSocket: Node's entry hands it the sockets it upgrades; shutdown closes them. */
    webSockets,
    /** The chain's first check, for Node's upgrades, which arrive beside the chain. */
    hostCheck,
    /** One request, any runtime: Deno.serve's and the Worker's handler. */
    fetch(request: Request, context: GatewayServerContext = {}): Response | Promise<Response> {
      return yoga.fetch(request, context);
    },
  };
}

export type GatewayApp = ReturnType<typeof createGatewayHandler>;
