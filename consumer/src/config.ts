import { z } from "zod";
import { splitCommaList } from "#shared/comma-list.ts";
import {
  CONSUMER_DEFAULTS,
  CONSUMER_GROUP,
  DLT_MONITOR_GROUP,
  LOCAL_DEFAULTS,
  MONITORING_DEFAULTS,
  RECONCILER_DEFAULTS,
  REDIS_CLUSTER_DEFAULTS,
  STREAM_DEFAULTS,
  TOPICS,
  workerMetricsPort,
} from "#shared/defaults.ts";
import { parseOrThrow } from "#shared/describe-issues.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { eventKeysEnv, hostsOfBrokerList, readEventKeys } from "#shared/event-signing-keys.ts";
import { accessRule } from "#shared/http-kit/access-rule.ts";
import { assertSecretFitsUse, assertSecretsOfTheirOwn } from "#shared/http-kit/credentials-rule.ts";
import { readHttpServerLimits } from "#shared/http-kit/server-limits.ts";
import {
  enabledPipelinesSetting,
  type IssuePipeline,
  rolloutPercentFor,
} from "#shared/issue-pipeline.ts";
import { logEnv, logSettingsOf } from "#shared/logging/logger.ts";
import { REDIS_KEY_PREFIX_PATTERN } from "#shared/redis/keys.ts";
import { clusterNodesSetting, parseClusterNodes } from "#shared/redis/redis-endpoint.ts";

const envSchema = z.object({
  DATABASE_URL: z.string().min(1).default(LOCAL_DEFAULTS.DATABASE_URL),
  REDIS_URL: z.string().min(1).default(LOCAL_DEFAULTS.REDIS_URL),
  /** A Redis Cluster's seed nodes (`host:port`, comma-separated); REDIS_URL then gives its credentials. */
  REDIS_CLUSTER_NODES: clusterNodesSetting.default(parseClusterNodes(REDIS_CLUSTER_DEFAULTS.nodes)),
  KAFKA_BROKERS: z.string().min(1).default(LOCAL_DEFAULTS.KAFKA_BROKERS),
  INTERNAL_API_URL: z.url().default(LOCAL_DEFAULTS.INTERNAL_API_URL),
  /**
   * The Bearer token of the internal API, and of `/metrics` outside development. The development
   * one is accepted on loopback only; one of its own is at least 32 bytes (credentials-rule.ts).
   */
  INTERNAL_API_TOKEN: z.string().min(1).default(LOCAL_DEFAULTS.INTERNAL_API_TOKEN),
  ...eventKeysEnv,
  WORKER_ID: z.string().default("1"),
  /** Where a worker serves `/health` and `/metrics`: loopback unless a scraper elsewhere needs it. */
  METRICS_HOST: z.string().min(1).default(LOCAL_DEFAULTS.HOST),
  /** Worker 1's by default; `npm start` gives worker i its own (`workerMetricsPort`). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(workerMetricsPort(1)),
  CONSUMER_GROUP: z.string().min(1).default(CONSUMER_GROUP),
  // The pinned names unless set: a test runs a whole system on topics, groups and keys of its own.
  ISSUE_TOPIC: z.string().min(1).default(TOPICS.issueRequests),
  DEAD_LETTER_TOPIC: z.string().min(1).default(TOPICS.issueRequestsDlt),
  DLT_MONITOR_GROUP: z.string().min(1).default(DLT_MONITOR_GROUP),
  REDIS_KEY_PREFIX: z.string().regex(REDIS_KEY_PREFIX_PATTERN).default(""),
  /** Events persisted in one transaction; a Kafka batch larger than this is split. */
  PERSIST_CHUNK_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(CONSUMER_DEFAULTS.persistChunkSize),
  /** Pending requests older than this with no outcome are re-produced by the reconciler. */
  RECONCILE_AFTER_MS: z.coerce.number().int().positive().default(RECONCILER_DEFAULTS.afterMs),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(RECONCILER_DEFAULTS.intervalMs),
  /** A pending request the reconciler could not re-produce for this long ends FAILED. */
  RECONCILE_GIVE_UP_AFTER_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(RECONCILER_DEFAULTS.giveUpAfterMs),
  ALERT_WEBHOOK_URL: z.url().optional(),
  /** The Bearer token a scraper sends for `/metrics` (at least 32 bytes); unset: closed outside development. */
  METRICS_TOKEN: z.string().min(1).optional(),
  /** The control process's dashboard credential (at least 32 bytes); unset: closed outside development. */
  DASHBOARD_TOKEN: z.string().min(1).optional(),
  /**
   * After a coupon's first dead letter of an error class is alerted, the ones that follow within
   * this long go to the webhook as one summary with their count (alert-sink.ts).
   */
  ALERT_WINDOW_MS: z.coerce.number().int().positive().default(MONITORING_DEFAULTS.alertWindowMs),
  /**
   * The pipelines this deployment runs (comma-separated, default both). `REDIS_STREAM` alone: no
   * Kafka client anywhere, and a coupon on KAFKA is refused when it is created.
   */
  ISSUE_PIPELINES: enabledPipelinesSetting,
  /**
   * Percent (0-100) of coupons created without a named pipeline that get REDIS_STREAM: the gradual
   * switch. Read by the control process, which creates coupons; a coupon keeps what it got. Unset:
   * 0, or 100 when only REDIS_STREAM runs.
   */
  ISSUE_PIPELINE_ROLLOUT_PERCENT: z.coerce.number().min(0).max(100).optional(),
  STREAM_CONSUMER_GROUP: z.string().min(1).default(STREAM_DEFAULTS.group),
  STREAM_DLT_MONITOR_GROUP: z.string().min(1).default(STREAM_DEFAULTS.deadLetterGroup),
  /** An unacknowledged stream entry idle this long is taken over from its (dead) worker. */
  STREAM_CLAIM_IDLE_MS: z.coerce.number().int().min(100).default(STREAM_DEFAULTS.claimIdleMs),
  /** The control process samples the persistence group's lag this often. */
  LAG_SAMPLE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(MONITORING_DEFAULTS.lagSampleIntervalMs),
  /** The control process probes Kafka, Redis and PostgreSQL this often. */
  PROBE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(MONITORING_DEFAULTS.probeIntervalMs),
  ...logEnv,
});

export type ConsumerConfig = ReturnType<typeof readConsumerConfig>;

/** Reads the Node side's configuration once (workers and the control process share it). */
export function readConsumerConfig(env: Record<string, string | undefined> = process.env) {
  const c = parseOrThrow(envSchema, env, "consumer configuration");
  const internal = new URL(c.INTERNAL_API_URL);
  // The token guards the internal API (listened on by the control process, sent to by the CLI)
  // and the workers' metrics: the development one only while all of these stay on loopback.
  const token = {
    variable: "INTERNAL_API_TOKEN",
    value: c.INTERNAL_API_TOKEN,
    developmentValue: LOCAL_DEFAULTS.INTERNAL_API_TOKEN,
  };
  assertSecretFitsUse({ ...token, listensOn: internal.hostname });
  assertSecretFitsUse({ ...token, listensOn: c.METRICS_HOST });
  const development = c.INTERNAL_API_TOKEN === LOCAL_DEFAULTS.INTERNAL_API_TOKEN;
  assertSecretsOfTheirOwn([
    token,
    { variable: "METRICS_TOKEN", value: c.METRICS_TOKEN },
    { variable: "DASHBOARD_TOKEN", value: c.DASHBOARD_TOKEN },
  ]);
  const pipelines = c.ISSUE_PIPELINES;
  const kafkaEnabled = pipelines.includes("KAFKA");
  const pipelineRolloutPercent = rolloutPercentFor(
    pipelines,
    c.ISSUE_PIPELINE_ROLLOUT_PERCENT,
    STREAM_DEFAULTS.rolloutPercent,
  );
  const kafkaBrokers = splitCommaList(c.KAFKA_BROKERS);
  // Events come from and go to the brokers: the development key only while nobody but this
  // machine can reach them (none do when no Kafka runs).
  const eventKeys = readEventKeys(
    c,
    kafkaEnabled
      ? hostsOfBrokerList(kafkaBrokers).map((host) => ({ host, what: "KAFKA_BROKERS" }))
      : [],
  );
  return {
    log: logSettingsOf(c),
    databaseUrl: c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    /** Empty: one Redis at `redisUrl`; else a Redis Cluster through these nodes. */
    redisClusterNodes: c.REDIS_CLUSTER_NODES,
    /** The pipelines this deployment runs (`ISSUE_PIPELINES`). */
    pipelines,
    /** Whether the KAFKA pipeline runs: without it, no process opens a Kafka client. */
    kafkaEnabled,
    kafkaBrokers,
    /** Signs what the reconciler and replay produce; verifies what the workers consume. */
    eventKeys,
    internalApi: {
      url: c.INTERNAL_API_URL,
      host: internal.hostname,
      port: Number(internal.port || 80),
      token: c.INTERNAL_API_TOKEN,
    },
    workerId: c.WORKER_ID,
    metricsHost: c.METRICS_HOST,
    metricsPort: c.METRICS_PORT,
    /**
     * Who may scrape `/metrics` and watch the dashboard: each the bearer of its own credential,
     * anyone in development (the development internal token, which the rule above keeps on
     * loopback), nobody when it is unset elsewhere.
     */
    metricsAccess: accessRule("METRICS_TOKEN", c.METRICS_TOKEN, development),
    dashboardAccess: accessRule("DASHBOARD_TOKEN", c.DASHBOARD_TOKEN, development),
    consumerGroup: c.CONSUMER_GROUP,
    issueTopic: c.ISSUE_TOPIC,
    deadLetterTopic: c.DEAD_LETTER_TOPIC,
    dltMonitorGroup: c.DLT_MONITOR_GROUP,
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    persistChunkSize: c.PERSIST_CHUNK_SIZE,
    reconcile: {
      afterMs: c.RECONCILE_AFTER_MS,
      intervalMs: c.RECONCILE_INTERVAL_MS,
      giveUpAfterMs: c.RECONCILE_GIVE_UP_AFTER_MS,
    },
    alertWebhookUrl: c.ALERT_WEBHOOK_URL ?? null,
    alertWindowMs: c.ALERT_WINDOW_MS,
    pipelineRolloutPercent,
    stream: {
      group: c.STREAM_CONSUMER_GROUP,
      deadLetterGroup: c.STREAM_DLT_MONITOR_GROUP,
      claimIdleMs: c.STREAM_CLAIM_IDLE_MS,
    },
    monitoring: {
      lagSampleIntervalMs: c.LAG_SAMPLE_INTERVAL_MS,
      probeIntervalMs: c.PROBE_INTERVAL_MS,
    },
    /** The internal API's and the health servers' timeouts and connection cap. */
    httpLimits: readHttpServerLimits(env),
  };
}

/**
 * The configuration of a process that serves one pipeline (an issue worker KAFKA, a stream worker
 * REDIS_STREAM), or the refusal to start one the deployment does not run (`ISSUE_PIPELINES`).
 */
export function readWorkerConfig(
  pipeline: IssuePipeline,
  env: Record<string, string | undefined> = process.env,
): ConsumerConfig {
  const config = readConsumerConfig(env);
  if (!config.pipelines.includes(pipeline))
    throw new Error(
      `it serves the ${pipeline} pipeline, which ISSUE_PIPELINES=${config.pipelines.join(",")} does not run`,
    );
  return config;
}

/**
 * For a process's entry point: the configuration, or the refusal as one line on stderr (what to
 * set, not a stack trace) and exit code 1.
 */
export function loadConsumerConfig(
  processName: string,
  env: Record<string, string | undefined> = process.env,
): ConsumerConfig {
  try {
    return readConsumerConfig(env);
  } catch (error) {
    console.error(`${processName} did not start: ${messageOf(error)}`);
    process.exit(1);
  }
}
