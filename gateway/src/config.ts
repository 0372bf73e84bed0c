import { z } from "zod";
import {
  GATEWAY_DEFAULTS,
  GRAPHQL_LIMIT_DEFAULTS,
  LOCAL_DEFAULTS,
  TOPICS,
} from "#shared/defaults.ts";
import { parseOrThrow } from "#shared/describe-issues.ts";
import { isLoopbackHost } from "#shared/http-kit/listen-address.ts";
import { readHttpServerLimits } from "#shared/http-kit/server-limits.ts";
import { REDIS_KEY_PREFIX_PATTERN } from "#shared/redis/keys.ts";

const positiveInt = z.coerce.number().int().positive();
/** `true` or `false`; unset leaves the decision to the mode. */
const flag = z.enum(["true", "false"]).optional();
/** Comma-separated origins (`https://shop.example`), each checked to be one. */
const originList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .url({ protocol: /^https?$/ })
        .refine((url) => new URL(url).origin === url, "an origin: scheme://host[:port], no path"),
    ),
  );

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(Number(LOCAL_DEFAULTS.PORT)),
  HOST: z.string().default(LOCAL_DEFAULTS.HOST),
  REDIS_REST_URL: z.url().default(LOCAL_DEFAULTS.REDIS_REST_URL),
  REDIS_REST_TOKEN: z.string().min(1).default(LOCAL_DEFAULTS.REDIS_REST_TOKEN),
  KAFKA_REST_URL: z.url().default(LOCAL_DEFAULTS.KAFKA_REST_URL),
  KAFKA_REST_USERNAME: z.string().min(1).default(LOCAL_DEFAULTS.KAFKA_REST_USERNAME),
  KAFKA_REST_PASSWORD: z.string().min(1).default(LOCAL_DEFAULTS.KAFKA_REST_PASSWORD),
  INTERNAL_API_URL: z.url().default(LOCAL_DEFAULTS.INTERNAL_API_URL),
  INTERNAL_API_TOKEN: z.string().min(1).default(LOCAL_DEFAULTS.INTERNAL_API_TOKEN),
  /** HS256 secret; when set, callers are identified by a JWT instead of the x-user-id header. */
  JWT_SECRET: z.string().min(16).optional(),
  /** How long a produce may take before the admission is undone and the caller told to retry. */
  PRODUCE_TIMEOUT_MS: z.coerce.number().int().positive().default(GATEWAY_DEFAULTS.produceTimeoutMs),
  /** How long a requestStatus subscription may stay open. */
  SUBSCRIPTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(GATEWAY_DEFAULTS.subscriptionTimeoutMs),
  // The pinned names unless set: a test runs a whole system on a topic and keys of its own.
  ISSUE_TOPIC: z.string().min(1).default(TOPICS.issueRequests),
  REDIS_KEY_PREFIX: z.string().regex(REDIS_KEY_PREFIX_PATTERN).default(""),
  /** requestStatus subscriptions end after this long without a change. */
  SUBSCRIPTION_IDLE_TIMEOUT_MS: positiveInt.default(GATEWAY_DEFAULTS.subscriptionIdleTimeoutMs),
  /** requestStatus subscriptions one caller may hold at once; anonymous callers share one count. */
  SUBSCRIPTIONS_PER_CALLER: positiveInt.default(GATEWAY_DEFAULTS.subscriptionsPerCaller),
  /** requestStatus subscriptions open at once in all. */
  SUBSCRIPTIONS_MAX: positiveInt.default(GATEWAY_DEFAULTS.subscriptionsTotal),
  /** GraphiQL at /graphql and schema introspection: on in development mode unless set. */
  GRAPHIQL: flag,
  INTROSPECTION: flag,
  /** Origins a browser may call the API from; empty: same origin only. */
  CORS_ORIGINS: originList.default([]),
  /** Largest request body on /graphql; a larger one is answered 413 before it is parsed. */
  GRAPHQL_MAX_BODY_BYTES: positiveInt.default(GATEWAY_DEFAULTS.maxBodyBytes),
  GRAPHQL_MAX_ALIASES: positiveInt.default(GRAPHQL_LIMIT_DEFAULTS.maxAliases),
  GRAPHQL_MAX_DEPTH: positiveInt.default(GRAPHQL_LIMIT_DEFAULTS.maxDepth),
  GRAPHQL_MAX_COST: positiveInt.default(GRAPHQL_LIMIT_DEFAULTS.maxCost),
  GRAPHQL_MAX_TOKENS: positiveInt.default(GRAPHQL_LIMIT_DEFAULTS.maxTokens),
  GRAPHQL_MAX_DIRECTIVES: positiveInt.default(GRAPHQL_LIMIT_DEFAULTS.maxDirectives),
  /** `only`: the project's own documents by id and nothing else (protection/trusted-documents.ts). */
  TRUSTED_DOCUMENTS: z.enum(["off", "allow", "only"]).default("off"),
});

export type GatewayConfig = ReturnType<typeof readGatewayConfig>;

/** Reads the gateway's configuration once, from whatever environment the runtime hands over. */
export function readGatewayConfig(env: Record<string, string | undefined>) {
  const c = parseOrThrow(envSchema, env, "gateway configuration");
  // Development mode: no identity configured and only this machine can reach the gateway.
  const development = c.JWT_SECRET === undefined && isLoopbackHost(c.HOST);
  return {
    port: c.PORT,
    host: c.HOST,
    redisRest: { url: c.REDIS_REST_URL, token: c.REDIS_REST_TOKEN },
    kafkaRest: {
      url: c.KAFKA_REST_URL,
      username: c.KAFKA_REST_USERNAME,
      password: c.KAFKA_REST_PASSWORD,
    },
    internalApi: { url: c.INTERNAL_API_URL, token: c.INTERNAL_API_TOKEN },
    jwtSecret: c.JWT_SECRET ?? null,
    produceTimeoutMs: c.PRODUCE_TIMEOUT_MS,
    issueTopic: c.ISSUE_TOPIC,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    development,
    subscriptions: {
      timeoutMs: c.SUBSCRIPTION_TIMEOUT_MS,
      idleTimeoutMs: c.SUBSCRIPTION_IDLE_TIMEOUT_MS,
      perCaller: c.SUBSCRIPTIONS_PER_CALLER,
      total: c.SUBSCRIPTIONS_MAX,
    },
    /** Off outside development mode unless enabled explicitly. */
    graphiql: c.GRAPHIQL === undefined ? development : c.GRAPHIQL === "true",
    introspection: c.INTROSPECTION === undefined ? development : c.INTROSPECTION === "true",
    corsOrigins: c.CORS_ORIGINS,
    maxBodyBytes: c.GRAPHQL_MAX_BODY_BYTES,
    operationLimits: {
      maxAliases: c.GRAPHQL_MAX_ALIASES,
      maxDepth: c.GRAPHQL_MAX_DEPTH,
      maxCost: c.GRAPHQL_MAX_COST,
      maxTokens: c.GRAPHQL_MAX_TOKENS,
      maxDirectives: c.GRAPHQL_MAX_DIRECTIVES,
    },
    trustedDocuments: c.TRUSTED_DOCUMENTS,
    /** Used by the Node entry; Deno.serve has no such settings (README, Security). */
    httpLimits: readHttpServerLimits(env),
  };
}
