import { z } from "zod";
import { commaList, splitCommaList } from "#shared/comma-list.ts";
import {
  GATEWAY_DEFAULTS,
  GRAPHQL_LIMIT_DEFAULTS,
  LOCAL_DEFAULTS,
  RATE_LIMIT_DEFAULTS,
  TOPICS,
} from "#shared/defaults.ts";
import { parseOrThrow } from "#shared/describe-issues.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { eventKeysEnv, readEventKeys } from "#shared/event-signing-keys.ts";
import {
  assertSecretFitsUse,
  assertSecretLength,
  assertSecretsOfTheirOwn,
  type SecretUse,
} from "#shared/http-kit/credentials-rule.ts";
import { isLoopbackHost } from "#shared/http-kit/listen-address.ts";
import { readHttpServerLimits } from "#shared/http-kit/server-limits.ts";
import { enabledPipelinesSetting } from "#shared/issue-pipeline.ts";
import { REDIS_KEY_PREFIX_PATTERN } from "#shared/redis/keys.ts";
import { parseTrustedDocumentManifest } from "./trusted-document-manifest.ts";

const positiveInt = z.coerce.number().int().positive();
/**
 * Bucket sizes and refills: fractions of a token a second allowed (0.5 is one every two seconds).
 * The bounds keep a bucket's time to refill (its key's time to live in Redis) within what Redis
 * takes: at most a million tokens, at least one every thousand seconds.
 */
const capacity = positiveInt.max(1_000_000);
const perSecond = z.coerce.number().min(0.001).finite();
/** An HTTP header name, compared in lower case as Headers does. */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "an HTTP header name, e.g. x-forwarded-for")
  .transform((name) => name.toLowerCase());
/** `true` or `false`; unset leaves the decision to the mode. */
const flag = z.enum(["true", "false"]).optional();
/** Comma-separated origins (`https://shop.example`), each checked to be one. */
const originList = commaList.pipe(
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
  /** The Bearer token a scraper sends for `/metrics` (at least 32 bytes); unset: no `/metrics` outside development. */
  METRICS_TOKEN: z.string().min(1).optional(),
  ...eventKeysEnv,
  /**
   * `development` (callers name themselves with x-user-id, admin operations open) is the default
   * on a loopback HOST and refused anywhere else; `jwt` is the default once a JWT_* is set.
   */
  AUTH_MODE: z.enum(["development", "jwt"]).optional(),
  /** HS256 key, at least 32 bytes. */
  JWT_SECRET: z.string().min(1).optional(),
  /** An identity provider's JWKS (RS256/ES256 keys); https, or http on loopback. */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  /** Comma-separated; a token's aud must name one of them. Required off loopback. */
  JWT_AUDIENCE: z.string().min(1).optional(),
  /**
   * A token older than this (by its `iat`, which it must then carry) is refused, however far its
   * `exp`; unset: `exp` alone decides.
   */
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt.optional(),
  /**
   * The pipelines the deployment runs (comma-separated, default both). Without KAFKA a press of a
   * KAFKA coupon (one created before the switch) is withdrawn at once and refused, not produced.
   */
  ISSUE_PIPELINES: enabledPipelinesSetting,
  /** How long a produce may take before the admission is undone and the caller told to retry. */
  PRODUCE_TIMEOUT_MS: z.coerce.number().int().positive().default(GATEWAY_DEFAULTS.produceTimeoutMs),
  /**
   * Redis pipelines and Kafka produce calls on their way at once (each); presses arriving meanwhile
   * wait and go together in the next call. 0 turns coalescing off: every press its own calls.
   */
  COALESCE_IN_FLIGHT: z.coerce.number().int().min(0).default(GATEWAY_DEFAULTS.coalesceInFlight),
  /** Most presses in one coalesced call. */
  COALESCE_MAX_BATCH: positiveInt.default(GATEWAY_DEFAULTS.coalesceMaxBatch),
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
  /** A WebSocket that sends no graphql-ws `connection_init` within this long is closed 4408. */
  WS_CONNECTION_INIT_TIMEOUT_MS: positiveInt.default(GATEWAY_DEFAULTS.wsConnectionInitTimeoutMs),
  /** requestStatus subscriptions one caller may hold at once; anonymous callers share one count. */
  SUBSCRIPTIONS_PER_CALLER: positiveInt.default(GATEWAY_DEFAULTS.subscriptionsPerCaller),
  /** requestStatus subscriptions open at once in all. */
  SUBSCRIPTIONS_MAX: positiveInt.default(GATEWAY_DEFAULTS.subscriptionsTotal),
  /**
   * The gateway's own key for watch tokens (identity/watch-token.ts): the development value only
   * while HOST is loopback, any other at least 32 bytes, never JWT_SECRET.
   */
  WATCH_TOKEN_SECRET: z.string().min(1).default(LOCAL_DEFAULTS.WATCH_TOKEN_SECRET),
  /** How long a watch token handed out with IssueAccepted / AlreadyRequested stays good. */
  WATCH_TOKEN_TTL_MS: z.coerce.number().int().min(1000).default(GATEWAY_DEFAULTS.watchTokenTtlMs),
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
  /**
   * `only`: trusted documents by id and nothing else; `allow`: by id or as text
   * (protection/trusted-documents.ts). Trusted are the project's own documents and a manifest's.
   */
  TRUSTED_DOCUMENTS: z.enum(["off", "allow", "only"]).default("off"),
  /**
   * A manifest of the documents an app's clients send: Apollo's persisted-query manifest or
   * GraphQL Code Generator's persisted-documents.json. Read once at start, where the runtime has a
   * file system (Node, Deno).
   */
  TRUSTED_DOCUMENTS_FILE: z.string().min(1).optional(),
  /** The same manifest's text itself, for a runtime without a file system (a Worker's binding). */
  TRUSTED_DOCUMENTS_MANIFEST: z.string().min(1).optional(),
  /** Presses of one coupon by one user at once, and taken back each second (token bucket). */
  RATE_LIMIT_USER_CAPACITY: capacity.default(RATE_LIMIT_DEFAULTS.user.capacity),
  RATE_LIMIT_USER_REFILL_PER_SECOND: perSecond.default(RATE_LIMIT_DEFAULTS.user.refillPerSecond),
  /** Presses of one coupon from one client address (an IPv6 /64) at once, and each second. */
  RATE_LIMIT_IP_CAPACITY: capacity.default(RATE_LIMIT_DEFAULTS.address.capacity),
  RATE_LIMIT_IP_REFILL_PER_SECOND: perSecond.default(RATE_LIMIT_DEFAULTS.address.refillPerSecond),
  /**
   * The header a proxy of one's own in front of the gateway names the client in; unset, the
   * socket's peer is the client. Set it only behind such a proxy: anyone can send the header.
   */
  TRUSTED_PROXY_HEADER: headerName.optional(),
  /** How many proxies of one's own stand in front, each appending to the header. */
  TRUSTED_PROXY_HOPS: positiveInt.default(1),
  /** A coupon id PostgreSQL did not know is answered unknown this long without asking; 0: off. */
  UNKNOWN_COUPON_CACHE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(GATEWAY_DEFAULTS.unknownCouponTtlMs),
});

type Env = z.infer<typeof envSchema>;

/**
 * Every variable the gateway reads: what a runtime without a process environment (a Worker, whose
 * settings are bindings) must be handed.
 */
export const GATEWAY_ENV_NAMES: readonly string[] = Object.keys(envSchema.shape);

const DEVELOPMENT_MODE_REFUSED =
  "development mode (callers name themselves with x-user-id, admin operations open) serves " +
  "loopback only: set AUTH_MODE=jwt and JWT_SECRET or JWT_JWKS_URL";

/**
 * `AUTH_MODE` and its keys, failing closed (docs/architecture.md, "Identity"): development mode only
 * on a loopback HOST; JWT mode only with exactly one key source, a secret long enough, a JWKS
 * fetched over https (or from loopback). Throws the one line that names what to set.
 */
function readIdentity(c: Env) {
  const jwtSettings = [
    "JWT_SECRET",
    "JWT_JWKS_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "JWT_MAX_TOKEN_AGE_SECONDS",
  ] as const;
  const jwtSet = jwtSettings.filter((name) => c[name] !== undefined);
  const mode = c.AUTH_MODE ?? (jwtSet.length > 0 ? "jwt" : "development");
  if (mode === "development") {
    if (!isLoopbackHost(c.HOST))
      throw new Error(
        `refusing to start on HOST=${c.HOST} ${c.AUTH_MODE ? "with AUTH_MODE=development" : "without AUTH_MODE"}: ${DEVELOPMENT_MODE_REFUSED}`,
      );
    if (jwtSet.length > 0)
      throw new Error(
        `AUTH_MODE=development ignores ${jwtSet.join(", ")}: set AUTH_MODE=jwt, or unset them`,
      );
    return { mode } as const;
  }
  if (c.JWT_SECRET === undefined && c.JWT_JWKS_URL === undefined)
    throw new Error(
      "refusing to start in JWT mode without a key: set JWT_SECRET (HS256, at least 32 bytes) or JWT_JWKS_URL",
    );
  if (c.JWT_SECRET !== undefined && c.JWT_JWKS_URL !== undefined)
    throw new Error("set one of JWT_SECRET and JWT_JWKS_URL, not both");
  if (c.JWT_SECRET !== undefined)
    assertSecretLength({ variable: "JWT_SECRET", value: c.JWT_SECRET });
  if (c.JWT_JWKS_URL !== undefined) {
    const jwks = new URL(c.JWT_JWKS_URL);
    if (jwks.protocol !== "https:" && !isLoopbackHost(jwks.hostname))
      throw new Error(
        `JWT_JWKS_URL must be https (http only on loopback), or anyone on the way could hand out keys: got ${c.JWT_JWKS_URL}`,
      );
  }
  const audience = c.JWT_AUDIENCE === undefined ? undefined : splitCommaList(c.JWT_AUDIENCE);
  // An identity provider signs tokens for every service of its tenant with the same keys: without
  // an audience a token minted for another of them (a partner app, a test client) is good here.
  if (!audience?.length && !isLoopbackHost(c.HOST))
    throw new Error(
      `refusing to start JWT mode on HOST=${c.HOST} without JWT_AUDIENCE: set it to the audience your identity provider puts in this API's tokens, or tokens minted for any other service of the same provider are accepted`,
    );
  return {
    mode,
    secret: c.JWT_SECRET ?? null,
    jwksUrl: c.JWT_JWKS_URL ?? null,
    issuer: c.JWT_ISSUER ?? null,
    audience: audience?.length ? audience : null,
    maxTokenAgeSeconds: c.JWT_MAX_TOKEN_AGE_SECONDS ?? null,
  } as const;
}

/**
 * The secrets the gateway sends to the services behind it: the development ones only to
 * loopback, any other at least 32 bytes (shared/src/http-kit/credentials-rule.ts).
 */
function assertClientSecrets(c: Env): void {
  const uses: SecretUse[] = [
    {
      variable: "REDIS_REST_TOKEN",
      value: c.REDIS_REST_TOKEN,
      developmentValue: LOCAL_DEFAULTS.REDIS_REST_TOKEN,
      sendsTo: new URL(c.REDIS_REST_URL).hostname,
    },
    {
      variable: "KAFKA_REST_PASSWORD",
      value: c.KAFKA_REST_PASSWORD,
      developmentValue: LOCAL_DEFAULTS.KAFKA_REST_PASSWORD,
      sendsTo: new URL(c.KAFKA_REST_URL).hostname,
    },
    {
      variable: "INTERNAL_API_TOKEN",
      value: c.INTERNAL_API_TOKEN,
      developmentValue: LOCAL_DEFAULTS.INTERNAL_API_TOKEN,
      sendsTo: new URL(c.INTERNAL_API_URL).hostname,
    },
  ];
  for (const use of uses) assertSecretFitsUse(use);
  assertSecretsOfTheirOwn([
    {
      variable: "INTERNAL_API_TOKEN",
      value: c.INTERNAL_API_TOKEN,
      developmentValue: LOCAL_DEFAULTS.INTERNAL_API_TOKEN,
    },
    { variable: "METRICS_TOKEN", value: c.METRICS_TOKEN },
  ]);
}

/**
 * The watch tokens' key: the gateway's alone, so the development one only while it listens on
 * loopback, and never the identity provider's `JWT_SECRET` (one key, one purpose: a token signed
 * for one must never be taken for the other).
 */
function readWatchTokens(c: Env) {
  assertSecretFitsUse({
    variable: "WATCH_TOKEN_SECRET",
    value: c.WATCH_TOKEN_SECRET,
    developmentValue: LOCAL_DEFAULTS.WATCH_TOKEN_SECRET,
    listensOn: c.HOST,
  });
  if (c.WATCH_TOKEN_SECRET === c.JWT_SECRET)
    throw new Error("WATCH_TOKEN_SECRET must differ from JWT_SECRET: set a key of its own");
  return { secret: c.WATCH_TOKEN_SECRET, ttlMs: c.WATCH_TOKEN_TTL_MS };
}

/** What the runtime offers the configuration besides its environment. */
export interface GatewayConfigSources {
  /** A file's text, where the runtime has a file system (Node's and Deno's entries pass theirs). */
  readTextFile?: (path: string) => string;
}

/**
 * The trusted-documents mode and the manifest's documents by id, from the file or the variable
 * holding its text. A manifest that cannot be read or is malformed refuses the start, as does one
 * with the mode off (it would trust nothing).
 */
function readTrustedDocuments(c: Env, { readTextFile }: GatewayConfigSources) {
  const mode = c.TRUSTED_DOCUMENTS;
  if (c.TRUSTED_DOCUMENTS_FILE !== undefined && c.TRUSTED_DOCUMENTS_MANIFEST !== undefined)
    throw new Error("set one of TRUSTED_DOCUMENTS_FILE and TRUSTED_DOCUMENTS_MANIFEST, not both");
  let manifest = new Map<string, string>();
  if (c.TRUSTED_DOCUMENTS_FILE !== undefined) {
    const path = c.TRUSTED_DOCUMENTS_FILE;
    if (readTextFile === undefined)
      throw new Error(
        `TRUSTED_DOCUMENTS_FILE=${path}: this runtime has no file system; put the manifest's text in TRUSTED_DOCUMENTS_MANIFEST`,
      );
    let text: string;
    try {
      text = readTextFile(path);
    } catch (error) {
      throw new Error(`TRUSTED_DOCUMENTS_FILE=${path} cannot be read: ${messageOf(error)}`);
    }
    manifest = parseTrustedDocumentManifest(text, `TRUSTED_DOCUMENTS_FILE=${path}`);
  } else if (c.TRUSTED_DOCUMENTS_MANIFEST !== undefined) {
    manifest = parseTrustedDocumentManifest(
      c.TRUSTED_DOCUMENTS_MANIFEST,
      "TRUSTED_DOCUMENTS_MANIFEST",
    );
  }
  if (manifest.size > 0 && mode === "off")
    throw new Error(
      "a trusted-documents manifest is set but TRUSTED_DOCUMENTS=off would not use it: set TRUSTED_DOCUMENTS=only (or allow while clients move over)",
    );
  return { mode, manifest };
}

export type GatewayConfig = ReturnType<typeof readGatewayConfig>;

/**
 * Reads the gateway's configuration once, from whatever environment the runtime hands over.
 * Throws one line naming what to set when a setting is invalid or unsafe where it would run.
 */
export function readGatewayConfig(
  env: Record<string, string | undefined>,
  sources: GatewayConfigSources = {},
) {
  const c = parseOrThrow(envSchema, env, "gateway configuration");
  const identity = readIdentity(c);
  assertClientSecrets(c);
  // The gateway signs what it produces through the Kafka REST proxy: the development key only
  // while both it and the proxy are on loopback.
  const eventKeys = readEventKeys(c, [
    { host: c.HOST, what: "HOST" },
    { host: new URL(c.KAFKA_REST_URL).hostname, what: "KAFKA_REST_URL" },
  ]);
  const watchTokens = readWatchTokens(c);
  // Development mode: callers name themselves, and only this machine can reach the gateway.
  const development = identity.mode === "development";
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
    /**
     * Who may read `/metrics`: the bearer of `METRICS_TOKEN`, a scraper's credential of its own
     * (as on the control process and the workers); anyone in development mode (loopback only)
     * without one; outside development mode without one, nobody: the gateway serves no metrics.
     */
    metrics:
      c.METRICS_TOKEN !== undefined
        ? { token: c.METRICS_TOKEN }
        : development
          ? { token: null }
          : null,
    /** Signs every event produced (issue-event-signature.ts). */
    eventSigningKey: eventKeys.signingKey,
    identity,
    /** Signs and checks the watch tokens requestStatus takes from a header-less watcher. */
    watchTokens,
    produceTimeoutMs: c.PRODUCE_TIMEOUT_MS,
    /** The pipelines the deployment runs (`ISSUE_PIPELINES`). */
    pipelines: c.ISSUE_PIPELINES,
    /** Off (`COALESCE_IN_FLIGHT=0`): one item per call and no limit on calls at once. */
    coalescing:
      c.COALESCE_IN_FLIGHT === 0
        ? { maxInFlight: Number.POSITIVE_INFINITY, maxBatch: 1 }
        : { maxInFlight: c.COALESCE_IN_FLIGHT, maxBatch: c.COALESCE_MAX_BATCH },
    issueTopic: c.ISSUE_TOPIC,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    development,
    subscriptions: {
      timeoutMs: c.SUBSCRIPTION_TIMEOUT_MS,
      idleTimeoutMs: c.SUBSCRIPTION_IDLE_TIMEOUT_MS,
      perCaller: c.SUBSCRIPTIONS_PER_CALLER,
      total: c.SUBSCRIPTIONS_MAX,
    },
    /** GraphQL over WebSocket (websocket/graphql-ws-connections.ts). */
    webSockets: { connectionInitWaitTimeoutMs: c.WS_CONNECTION_INIT_TIMEOUT_MS },
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
    /** The mode, and a manifest's documents by the ids its clients send (empty without one). */
    trustedDocuments: readTrustedDocuments(c, sources),
    rateLimits: {
      user: {
        capacity: c.RATE_LIMIT_USER_CAPACITY,
        refillPerSecond: c.RATE_LIMIT_USER_REFILL_PER_SECOND,
      },
      address: {
        capacity: c.RATE_LIMIT_IP_CAPACITY,
        refillPerSecond: c.RATE_LIMIT_IP_REFILL_PER_SECOND,
      },
    },
    /** Null: the socket's peer is the client. */
    trustedProxy: c.TRUSTED_PROXY_HEADER
      ? { header: c.TRUSTED_PROXY_HEADER, hops: c.TRUSTED_PROXY_HOPS }
      : null,
    unknownCouponTtlMs: c.UNKNOWN_COUPON_CACHE_MS,
    /** Used by the Node entry; Deno.serve has no such settings (README, Security). */
    httpLimits: readHttpServerLimits(env),
  };
}

/**
 * A Worker's bindings as the environment `readGatewayConfig` reads (main-workers.ts): the string
 * ones (vars and secrets; a binding workerd was told to read from an unset variable is null). A
 * Worker has no address of its own to listen on: without a HOST binding (the local stack sets it to
 * workerd's socket) it counts as reachable from anywhere, so development mode and the development
 * secrets are refused, as on any public address.
 */
export function workerBindingsAsEnv(bindings: Record<string, unknown>): Record<string, string> {
  const strings = Object.entries(bindings).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
  return { HOST: "0.0.0.0", ...Object.fromEntries(strings) };
}

/**
 * For the entry points (main-deno.ts, main-node.ts, main-workers.ts): the configuration, or the refusal as one line
 * on stderr, not a stack trace, and `exit(1)`.
 */
export function loadGatewayConfig(
  env: Record<string, string | undefined>,
  exit: (code: number) => never,
  sources: GatewayConfigSources = {},
): GatewayConfig {
  try {
    return readGatewayConfig(env, sources);
  } catch (error) {
    console.error(`gateway did not start: ${messageOf(error)}`);
    return exit(1);
  }
}
