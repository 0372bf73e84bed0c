import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { Kafka } from "@upstash/kafka";
import { Redis } from "@upstash/redis";
import { createYoga } from "graphql-yoga";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
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
import { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
import { useMetricsEndpoint } from "./metrics/use-metrics-endpoint.ts";
import { usePressFastPath } from "./press/use-press-fast-path.ts";
import { PROJECT_DOCUMENTS } from "./project-documents.ts";
import { useBodyLimit } from "./protection/body-limit.ts";
import { corsPolicy, useVaryOnOrigin } from "./protection/cors-policy.ts";
import { useCsrfPrevention } from "./protection/csrf-prevention.ts";
import { operationLimitPlugins } from "./protection/operation-limits.ts";
import {
  createTrustedDocumentStore,
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

export interface GatewayAppOptions {
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
  { afterAdmission }: GatewayAppOptions = {},
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
  };
  return createGatewayHandler(config, services);
}

/**
 * The GraphQL server over `services`: one Yoga, one plugin chain, the press fast path a plugin in it
 * (press/use-press-fast-path.ts).
 */
export interface GatewayHandlerOptions {
  /** Whether presses take the fast path; off, Yoga's executor answers them (the parity test compares). Default on. */
  pressFastPath?: boolean;
}

export function createGatewayHandler(
  config: GatewayConfig,
  services: GatewayServices,
  { pressFastPath = true }: GatewayHandlerOptions = {},
) {
  const resolveCaller = createResolveCaller(config.identity);
  const errors = createErrorMask();
  const addressOptions = {
    trustedProxy: config.trustedProxy,
    // Local load tests run many users from one address (docs/architecture.md, "Pinned names").
    exemptLoopback: config.development,
  };
  const trustedDocuments: TrustedDocuments = {
    mode: config.trustedDocuments.mode,
    store: createTrustedDocumentStore({
      documents: PROJECT_DOCUMENTS,
      byId: config.trustedDocuments.manifest,
    }),
  };
  const devMode = config.identity.mode === "development";

  const yoga = createYoga<GatewayServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    healthCheckEndpoint: "/health",
    landingPage: false,
    cors: corsPolicy(config.corsOrigins),
    plugins: [
      // A scrape is no GraphQL request: answered before anything reads a body.
      ...(config.metrics
        ? [useMetricsEndpoint({ registry: services.metrics.registry, token: config.metrics.token })]
        : []),
      // Cheapest refusals first: the body's size, then CSRF, then the operation's shape.
      useBodyLimit({ maxBytes: config.maxBodyBytes }),
      useCsrfPrevention(),
      ...trustedDocumentPlugins(trustedDocuments),
      ...operationLimitPlugins(config.operationLimits, { hideSuggestions: !config.introspection }),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      ...(config.corsOrigins.length > 0 ? [useVaryOnOrigin()] : []),
      // Last: every plugin above that acts in onRequest runs for a press, and the later stages'
      // checks of the ones above (CSRF, trusted documents, operation limits) hold for it (see there).
      ...(pressFastPath
        ? [
            usePressFastPath({
              issueCoupon: services.issueCoupon,
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
    /** One request, any runtime: Deno.serve's and the Worker's handler. */
    fetch(request: Request, context: GatewayServerContext = {}): Response | Promise<Response> {
      return yoga.fetch(request, context);
    },
  };
}

export type GatewayApp = ReturnType<typeof createGatewayHandler>;
