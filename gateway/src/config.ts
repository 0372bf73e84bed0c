import { z } from "zod";
import { GATEWAY_DEFAULTS, LOCAL_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { parseOrThrow } from "#shared/describe-issues.ts";
import { REDIS_KEY_PREFIX_PATTERN } from "#shared/redis/keys.ts";

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
  GRAPHIQL: z.enum(["true", "false"]).default("true"),
  // The pinned names unless set: a test runs a whole system on a topic and keys of its own.
  ISSUE_TOPIC: z.string().min(1).default(TOPICS.issueRequests),
  REDIS_KEY_PREFIX: z.string().regex(REDIS_KEY_PREFIX_PATTERN).default(""),
});

export type GatewayConfig = ReturnType<typeof readGatewayConfig>;

/** Reads the gateway's configuration once, from whatever environment the runtime hands over. */
export function readGatewayConfig(env: Record<string, string | undefined>) {
  const c = parseOrThrow(envSchema, env, "gateway configuration");
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
    subscriptionTimeoutMs: c.SUBSCRIPTION_TIMEOUT_MS,
    graphiql: c.GRAPHIQL === "true",
    issueTopic: c.ISSUE_TOPIC,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
  };
}
