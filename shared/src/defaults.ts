/**
 * Every default of the system, each written once (as KafkaJS keeps its retry defaults in one
 * module). A process's config module reads the environment and falls back to these; a factory that
 * keeps a default in its signature takes it from here, so the two cannot drift apart.
 */

/**
 * The pinned configuration defaults (docs/architecture.md, "Configuration"): what a local run uses
 * when a variable is unset. Every process's config module starts from these; nothing else
 * hard-codes an address.
 */
export const LOCAL_DEFAULTS = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/coupon",
  REDIS_URL: "redis://127.0.0.1:6379",
  KAFKA_BROKERS: "127.0.0.1:9092",
  PORT: "4000",
  /** The gateway's, and where any other local listener binds unless told otherwise. */
  HOST: "127.0.0.1",
  REDIS_REST_URL: "http://127.0.0.1:8079",
  REDIS_REST_TOKEN: "dev-redis-token",
  KAFKA_REST_URL: "http://127.0.0.1:8082",
  KAFKA_REST_USERNAME: "dev",
  KAFKA_REST_PASSWORD: "dev-kafka-password",
  INTERNAL_API_URL: "http://127.0.0.1:4001",
  INTERNAL_API_TOKEN: "dev-internal-token",
  /** The example storefront page (examples/storefront/), which npm start serves beside the gateway. */
  STOREFRONT_URL: "http://127.0.0.1:4100",
  /** The HMAC key issue events are signed with (gateway, reconciler, replay) and verified by. */
  EVENT_SIGNING_KEY: "dev-event-signing-key",
  /** The gateway's own HMAC key for requestStatus watch tokens (gateway/src/identity/watch-token.ts). */
  WATCH_TOKEN_SECRET: "dev-watch-token-secret",
} as const;

/** Kafka names pinned in docs/architecture.md ("Pinned names"). */
export const TOPICS = {
  issueRequests: "coupon-issue-requests",
  issueRequestsDlt: "coupon-issue-requests.DLT",
} as const;
export const ISSUE_REQUEST_PARTITIONS = 3;
export const CONSUMER_GROUP = "coupon-issue-consumer-group";
export const DLT_MONITOR_GROUP = "coupon-issue-dlt-monitor";

const KiB = 1024;
const MiB = 1024 * KiB;

/** The gateway (`PRODUCE_TIMEOUT_MS`, `SUBSCRIPTION_TIMEOUT_MS`, ...). */
export const GATEWAY_DEFAULTS = {
  /**
   * On SIGTERM, how long in-flight requests get before what is still open (an SSE stream, a
   * keep-alive connection, a WebSocket that never answers its close) is cut and the gateway exits.
   */
  shutdownGraceMs: 2000,
  /** A produce not acknowledged by then is undone and the caller told to retry. */
  produceTimeoutMs: 3000,
  /** How long a requestStatus subscription may stay open. */
  subscriptionTimeoutMs: 120_000,
  /** A requestStatus subscription that saw no change for this long ends. */
  subscriptionIdleTimeoutMs: 60_000,
  /** requestStatus subscriptions one caller may hold open at once (per gateway process). */
  subscriptionsPerCaller: 5,
  /** requestStatus subscriptions open at once in all (per gateway process): each holds a stream. */
  subscriptionsTotal: 1000,
  /** How long a watch token (a browser's EventSource credential for one request) stays good. */
  watchTokenTtlMs: 300_000,
  /** A WebSocket's time to send graphql-ws's `connection_init` (graphql-ws's own default). */
  wsConnectionInitTimeoutMs: 3000,
  /** Largest request body on /graphql: the project's operations are well under 2 KiB. */
  maxBodyBytes: 64 * KiB,
  /** A coupon id PostgreSQL did not know is answered unknown this long without asking again. */
  unknownCouponTtlMs: 5000,
  /** Unknown coupon ids remembered at once (per gateway process); the oldest go first. */
  unknownCouponsMax: 10_000,
  /**
   * Coalesced `/pipeline` and `/produce` calls on their way at once, each (shared/src/coalescer.ts).
   * More presses wait for one to return and go together in the next.
   */
  coalesceInFlight: 2,
  /** Most presses' commands or events in one coalesced call. */
  coalesceMaxBatch: 256,
} as const;

/**
 * The gateway's rate limits (`RATE_LIMIT_USER_CAPACITY`, ...), token buckets: `capacity` at once,
 * `refillPerSecond` more each second. Each counts one coupon's presses (and, apart, the lookups of
 * coupons Redis does not know). A person pressing a button as fast as they can, ten times a second
 * for a few seconds, stays within the user's; the address's leaves room for the hundreds of people
 * a mobile carrier or an office puts behind one address.
 */
export const RATE_LIMIT_DEFAULTS = {
  user: { capacity: 30, refillPerSecond: 5 },
  address: { capacity: 600, refillPerSecond: 200 },
} as const;

/**
 * What one GraphQL operation may ask for (`GRAPHQL_MAX_ALIASES`, ...), checked before anything
 * runs. The project's own operations use no alias, no directive, depth 3 and fewer than 100 tokens;
 * GraphiQL's introspection query is exempt from depth and cost but not from tokens.
 */
export const GRAPHQL_LIMIT_DEFAULTS = {
  maxAliases: 15,
  maxDepth: 6,
  maxCost: 1000,
  maxTokens: 1000,
  maxDirectives: 10,
} as const;

/**
 * Every Node HTTP server's connection limits (`HTTP_HEADERS_TIMEOUT_MS`, ...): the gateway on Node,
 * both proxies, the control process and the workers' health servers. They bound the time and the
 * sockets a slow or hostile client can hold; long responses (SSE) are not cut by them.
 */
export const HTTP_SERVER_DEFAULTS = {
  /** The request's headers must have arrived by then, or the client gets 408 and is cut off. */
  headersTimeoutMs: 10_000,
  /** The whole request (headers and body) must have arrived by then. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: 5_000,
  /** Open connections at most; the ones beyond are closed at once. */
  maxConnections: 4096,
  /** A declared request body above this is refused before any handler runs, unless a service says otherwise. */
  maxBodyBytes: 64 * KiB,
} as const;

/** The issue workers (`PERSIST_CHUNK_SIZE`, `METRICS_PORT`) and both consumer processes' pool. */
export const CONSUMER_DEFAULTS = {
  /** Events persisted in one transaction; a Kafka batch larger than this is split. */
  persistChunkSize: 500,
  /** PostgreSQL connections per process. */
  databasePoolSize: 5,
  /**
   * How far an event's requestedAt (the gateway's clock) may lie outside its coupon's window before
   * PostgreSQL refuses it OUTSIDE_WINDOW: admission checked the window on Redis's clock, and the
   * two clocks may disagree by a little.
   */
  windowLeewayMs: 5_000,
} as const;

/** Worker `i` (1-based) serves `/health` and `/metrics` on this port unless told otherwise. */
export function workerMetricsPort(worker: number): number {
  return STACK_DEFAULTS.workerMetricsBasePort + worker;
}

/**
 * The Redis Stream pipeline (shared/src/issue-pipeline.ts): its workers (`STREAM_CONSUMER_GROUP`,
 * `STREAM_CLAIM_IDLE_MS`, ...) and the rollout that picks it for new coupons.
 */
export const STREAM_DEFAULTS = {
  /** The consumer group of the stream workers on every coupon's stream. */
  group: "coupon-issue-stream-group",
  /** The DLT monitor's group on the stream of dead letters. */
  deadLetterGroup: "coupon-issue-stream-dlt-monitor",
  /**
   * What a stream record names as its topic in dead letters and logs (the stream is per coupon;
   * this is the pipeline's one name, a valid Kafka topic name so a dead letter reads the same).
   */
  source: "coupon-issue-stream",
  /** Percent of coupons created without a named pipeline that get REDIS_STREAM. */
  rolloutPercent: 0,
  /** How long one XREADGROUP waits for new entries. */
  blockMs: 1000,
  /**
   * An entry delivered to a worker and not acknowledged for this long is taken over by another
   * (XAUTOCLAIM): its worker died. A live worker retrying it keeps it (it claims it again itself).
   */
  claimIdleMs: 15_000,
  /** How often a worker looks for the streams of coupons loaded since. */
  discoverIntervalMs: 1000,
} as const;

/** Stream worker `i` (1-based) serves `/health` and `/metrics` on this port unless told otherwise. */
export function streamWorkerMetricsPort(worker: number): number {
  return STACK_DEFAULTS.workerMetricsBasePort + 10 + worker;
}

/** The reconciler in the control process (`RECONCILE_AFTER_MS`, ...). */
export const RECONCILER_DEFAULTS = {
  /** A pending request this old with no outcome is produced again. */
  afterMs: 30_000,
  /** Time between passes. */
  intervalMs: 5_000,
  /** A pending request still without outcome this long after admission ends FAILED. */
  giveUpAfterMs: 300_000,
  /** Requests looked at per coupon per pass. */
  batchSize: 500,
} as const;

/**
 * A Redis Cluster (`REDIS_CLUSTER_NODES`, the proxy's and the consumer processes' Redis): unset, the
 * system uses the one Redis at `REDIS_URL`.
 */
export const REDIS_CLUSTER_DEFAULTS = {
  /** Seed nodes, comma-separated `host:port`; "" is no cluster. */
  nodes: "",
  /** After a node went away, the wait before a command is tried again (a failover in progress). */
  retryDelayOnFailoverMs: 200,
  /** How often the client asks the cluster for its slot map besides after a redirection. */
  slotsRefreshIntervalMs: 2000,
} as const;

/** The Upstash-compatible Redis REST proxy (`REDIS_REST_MAX_BODY_BYTES`, ...). */
export const REDIS_REST_DEFAULTS = {
  maxBodyBytes: 1 * MiB,
  /** A command Redis has not answered (or a subscription not confirmed) by then is a 503. */
  commandTimeoutMs: 5000,
  /** While (re)connecting, how long a command or subscription waits for the connection. */
  readyWaitMs: 1000,
  /** What is served: `project`, what the gateway sends and nothing more (command-policy.ts). */
  commands: "project",
} as const;

/** The Upstash-compatible Kafka REST proxy (`KAFKA_REST_MAX_BODY_BYTES`, ...). */
export const KAFKA_REST_DEFAULTS = {
  maxBodyBytes: 1 * MiB,
  /** How long a produce may wait for the broker's acknowledgement before the caller hears 503. */
  produceTimeoutMs: 5000,
  /** When idle, wait this long for more requests before sending; 0 is the next turn. */
  lingerMs: 0,
  /** Most messages in one broker request. */
  maxBatchMessages: 1000,
} as const;

/** The live drop dashboard of the control process (`/dashboard`). */
export const DASHBOARD_DEFAULTS = {
  /** A snapshot is read and sent to each open page this often. */
  intervalMs: 1000,
  /** Coupons shown when the page names none: the most recently created. */
  coupons: 6,
  /** Pages open at once; the ones beyond are refused (each reads PostgreSQL every interval). */
  maxStreams: 20,
} as const;

/** `npm start` (`CONSUMER_COUNT`, `GATEWAY_RUNTIME`, `WORKER_METRICS_BASE_PORT`). */
export const STACK_DEFAULTS = {
  consumerCount: 3,
  /** `STREAM_WORKER_COUNT`: stream workers beside the issue workers (the parallel run). */
  streamWorkerCount: 2,
  gatewayRuntime: "deno",
  /** Worker i serves its metrics on this port + i (workerMetricsPort). */
  workerMetricsBasePort: 9100,
  /** How long a second `npm start` waits for one that is stopping before it gives up. */
  waitForStoppingRunMs: 120_000,
} as const;

/**
 * How the launcher's supervisor treats an app process that exits on its own: restarted after a
 * backoff that doubles, and given up on (the whole system stopped) when it keeps dying soon after
 * each start.
 */
export const RESTART_DEFAULTS = {
  /** The first wait before a restart; doubled for each crash in a row. */
  initialBackoffMs: 500,
  maxBackoffMs: 15_000,
  /** A process that ran this long counts as having recovered: its crash count starts over. */
  stableAfterMs: 30_000,
  /** Restarts in a row, each after a crash before `stableAfterMs`; the next crash stops the system. */
  maxRestarts: 4,
} as const;

/**
 * A supervised process's stdin is a pipe from its supervisor (`EXIT_ON_STDIN_EOF=1`): when it ends,
 * the supervisor is gone and the process shuts down as on SIGTERM, and exits anyway after this long.
 */
export const ORPHAN_EXIT_GRACE_MS = 10_000;
/** What the control process watches for the metrics (consumer lag, dependency reachability). */
export const MONITORING_DEFAULTS = {
  /** How often the persistence group's lag is sampled (high watermarks against committed offsets). */
  lagSampleIntervalMs: 1000,
  /** Watermark samples kept per partition: the lag in time is read from this history. */
  lagHistorySamples: 600,
  /** How often Kafka, Redis and PostgreSQL are probed. */
  probeIntervalMs: 2000,
  /** A probe not answered by then counts the dependency as down. */
  probeTimeoutMs: 1500,
  /**
   * After a coupon's first dead letter of an error class is alerted, the ones that follow within
   * this long are sent as one summary with their count (`ALERT_WINDOW_MS`).
   */
  alertWindowMs: 10_000,
} as const;

/**
 * Every Node process's log (`LOG_LEVEL`, `LOG_FORMAT`): pino, one JSON object a line in production
 * (`NODE_ENV=production`, or `LOG_FORMAT=json`), a readable line otherwise.
 */
export const LOG_DEFAULTS = {
  level: "info",
  /** The format outside production; production's is `json`. */
  developmentFormat: "pretty",
} as const;
