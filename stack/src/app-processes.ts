import { join } from "node:path";
import { splitCommaList } from "#shared/comma-list.ts";
import {
  streamWorkerMetricsPort as defaultStreamWorkerMetricsPort,
  workerMetricsPort as defaultWorkerMetricsPort,
  STACK_DEFAULTS,
} from "#shared/defaults.ts";
import { ISSUE_PIPELINES, type IssuePipeline } from "#shared/issue-pipeline.ts";
import { REPO_ROOT } from "./paths.ts";
import type { ProcessSpec } from "./supervisor/supervisor.ts";
import { workerdGatewaySpec } from "./workers/workerd-gateway.ts";

export type StackEnv = Record<
  | "DATABASE_URL"
  | "REDIS_URL"
  | "KAFKA_BROKERS"
  | "PORT"
  | "REDIS_REST_URL"
  | "REDIS_REST_TOKEN"
  | "KAFKA_REST_URL"
  | "KAFKA_REST_USERNAME"
  | "KAFKA_REST_PASSWORD"
  | "INTERNAL_API_URL"
  | "INTERNAL_API_TOKEN"
  | "EVENT_SIGNING_KEY"
  | "STOREFRONT_URL",
  string
> & {
  /** A Redis Cluster's seed nodes, `host:port` comma-separated; unset: the one Redis at REDIS_URL. */
  REDIS_CLUSTER_NODES?: string;
  /** Origins the gateway's CORS allows besides the storefront's (comma-separated), when set. */
  CORS_ORIGINS?: string;
};

/**
 * The variables that hold credentials (or URLs with credentials in them). Each process is handed only
 * those it uses, whatever the launcher's own environment holds: the gateway, the one process facing
 * the internet, holds no database or Redis credential; a proxy holds only its backend's and its own.
 */
export const CREDENTIAL_VARIABLES = [
  "DATABASE_URL",
  "REDIS_URL",
  "REDIS_REST_TOKEN",
  "KAFKA_REST_USERNAME",
  "KAFKA_REST_PASSWORD",
  "INTERNAL_API_TOKEN",
  "EVENT_SIGNING_KEY",
  "EVENT_VERIFICATION_KEYS",
  "JWT_SECRET",
  "WATCH_TOKEN_SECRET",
  "METRICS_TOKEN",
  "DASHBOARD_TOKEN",
] as const;
type Credential = (typeof CREDENTIAL_VARIABLES)[number];

/** What each kind of process reads of them (its configuration module). */
const CREDENTIALS_USED: Record<
  "redis-rest" | "kafka-rest" | "consumer" | "gateway" | "storefront",
  readonly Credential[]
> = {
  "redis-rest": ["REDIS_URL", "REDIS_REST_TOKEN"],
  "kafka-rest": ["KAFKA_REST_USERNAME", "KAFKA_REST_PASSWORD"],
  // The control process and both kinds of worker share one configuration module.
  consumer: [
    "DATABASE_URL",
    "REDIS_URL",
    "INTERNAL_API_TOKEN",
    "EVENT_SIGNING_KEY",
    "EVENT_VERIFICATION_KEYS",
    "METRICS_TOKEN",
    "DASHBOARD_TOKEN",
  ],
  gateway: [
    "REDIS_REST_TOKEN",
    "KAFKA_REST_USERNAME",
    "KAFKA_REST_PASSWORD",
    "INTERNAL_API_TOKEN",
    "EVENT_SIGNING_KEY",
    "EVENT_VERIFICATION_KEYS",
    "JWT_SECRET",
    "WATCH_TOKEN_SECRET",
    "METRICS_TOKEN",
  ],
  storefront: [],
};

/** The credentials a kind of process does not use: what its spec withholds. */
export function withheldFrom(kind: keyof typeof CREDENTIALS_USED): Credential[] {
  return CREDENTIAL_VARIABLES.filter((name) => !CREDENTIALS_USED[kind].includes(name));
}

/** Where the gateway runs: Deno, Node, or workerd (the Workers runtime, stack/src/workers/). */
export const GATEWAY_RUNTIMES = ["deno", "node", "workers"] as const;
export type GatewayRuntime = (typeof GATEWAY_RUNTIMES)[number];

export interface AppProcessesOptions {
  env: StackEnv;
  /**
   * The Redis REST proxy's REDIS_URL: with its own ACL user's credentials (redis-proxy-user.ts).
   * Every other process keeps `env.REDIS_URL`. Default `env.REDIS_URL`.
   */
  redisRestRedisUrl?: string;
  /**
   * The pipelines the system runs, handed to every process as `ISSUE_PIPELINES`. Without KAFKA no
   * Kafka REST proxy and no issue workers are started; without REDIS_STREAM no stream workers.
   * Default both.
   */
  pipelines?: readonly IssuePipeline[];
  /** Issue workers, when KAFKA runs. Default `STACK_DEFAULTS.consumerCount`. */
  workers?: number;
  /** Stream workers (the REDIS_STREAM pipeline), beside the issue workers. Default `STACK_DEFAULTS.streamWorkerCount`. */
  streamWorkers?: number;
  /** Default `STACK_DEFAULTS.gatewayRuntime`. */
  gatewayRuntime?: GatewayRuntime;
  /** Metrics port of worker i (1-based). Default `workerMetricsPort` of shared/src/defaults.ts. */
  workerMetricsPort?: (worker: number) => number;
  /** Metrics port of stream worker i (1-based). Default `streamWorkerMetricsPort`. */
  streamWorkerMetricsPort?: (worker: number) => number;
  /**
   * Serve the example storefront (examples/storefront/) at `env.STOREFRONT_URL`, calling this
   * gateway, whose CORS then allows the storefront's origin. Default false (npm start turns it on).
   */
  storefront?: boolean;
  /** Extra variables for particular processes (e.g. fault injection). */
  extraEnv?: Partial<
    Record<"gateway" | "worker" | "stream-worker" | "control", Record<string, string>>
  >;
}

const node = process.execPath;
const deno = join(REPO_ROOT, "node_modules", ".bin", "deno");

/**
 * The system's processes in start order: proxies, control (internal API), issue workers, stream
 * workers (both kinds side by side: each coupon's pipeline says which serves it), gateway.
 */
export function appProcesses({
  env: stackEnv,
  redisRestRedisUrl = stackEnv.REDIS_URL,
  pipelines = ISSUE_PIPELINES,
  workers = STACK_DEFAULTS.consumerCount,
  gatewayRuntime = STACK_DEFAULTS.gatewayRuntime,
  workerMetricsPort = defaultWorkerMetricsPort,
  streamWorkers = STACK_DEFAULTS.streamWorkerCount,
  streamWorkerMetricsPort = defaultStreamWorkerMetricsPort,
  storefront = false,
  extraEnv = {},
}: AppProcessesOptions): ProcessSpec[] {
  const health = (base: string) => `${base.replace(/\/$/, "")}/health`;
  // Every process agrees on what runs: the control process refuses coupons on anything else.
  const env = { ...stackEnv, ISSUE_PIPELINES: pipelines.join(",") };
  const kafka = pipelines.includes("KAFKA");
  const specs: ProcessSpec[] = [
    {
      name: "redis-rest",
      command: node,
      args: ["proxies/redis-rest/src/main.ts"],
      env: { ...env, REDIS_URL: redisRestRedisUrl },
      withhold: withheldFrom("redis-rest"),
      healthUrl: health(env.REDIS_REST_URL),
    },
  ];
  if (kafka)
    specs.push({
      name: "kafka-rest",
      command: node,
      args: ["proxies/kafka-rest/src/main.ts"],
      env,
      withhold: withheldFrom("kafka-rest"),
      healthUrl: health(env.KAFKA_REST_URL),
    });
  specs.push({
    name: "control",
    command: node,
    args: ["consumer/src/control/main.ts"],
    env: { ...env, ...extraEnv.control },
    withhold: withheldFrom("consumer"),
    healthUrl: health(env.INTERNAL_API_URL),
  });
  for (let i = 1; kafka && i <= workers; i++) {
    const port = workerMetricsPort(i);
    specs.push({
      name: `worker-${i}`,
      command: node,
      args: ["consumer/src/issue-worker/main.ts"],
      env: { ...env, ...extraEnv.worker, WORKER_ID: String(i), METRICS_PORT: String(port) },
      withhold: withheldFrom("consumer"),
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
  }
  for (let i = 1; pipelines.includes("REDIS_STREAM") && i <= streamWorkers; i++) {
    const port = streamWorkerMetricsPort(i);
    specs.push({
      name: `stream-worker-${i}`,
      command: node,
      args: ["consumer/src/stream-worker/main.ts"],
      env: {
        ...env,
        ...extraEnv["stream-worker"],
        WORKER_ID: String(i),
        METRICS_PORT: String(port),
      },
      withhold: withheldFrom("consumer"),
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
  }
  const gatewayUrl = `http://127.0.0.1:${env.PORT}/health`;
  // The storefront is another origin than the gateway's: the gateway's CORS must allow it.
  const corsOrigins = [
    ...splitCommaList(env.CORS_ORIGINS ?? ""),
    ...(storefront ? [new URL(env.STOREFRONT_URL).origin] : []),
  ];
  const gatewayEnv = {
    ...env,
    ...(corsOrigins.length > 0 ? { CORS_ORIGINS: [...new Set(corsOrigins)].join(",") } : {}),
    ...extraEnv.gateway,
  };
  const gateways: Record<GatewayRuntime, () => ProcessSpec> = {
    deno: () => ({
      name: "gateway",
      command: deno,
      args: [
        "run",
        // request.signal aborts only when the client goes, not on every answer (the coming
        // default): what the subscriptions' cleanup means by it.
        "--unstable-no-legacy-abort",
        "--node-modules-dir=manual",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        "gateway/src/main-deno.ts",
      ],
      env: gatewayEnv,
      withhold: withheldFrom("gateway"),
      healthUrl: gatewayUrl,
    }),
    node: () => ({
      name: "gateway",
      command: node,
      args: ["gateway/src/main-node.ts"],
      env: gatewayEnv,
      withhold: withheldFrom("gateway"),
      healthUrl: gatewayUrl,
    }),
    workers: () => ({
      ...workerdGatewaySpec({ env: gatewayEnv, healthUrl: gatewayUrl }),
      withhold: withheldFrom("gateway"),
    }),
  };
  specs.push(gateways[gatewayRuntime]());
  // Last: the page is for people, and calls the gateway from the start.
  if (storefront)
    specs.push({
      name: "storefront",
      command: node,
      args: ["examples/storefront/server/main.ts"],
      env: { ...env, STOREFRONT_GRAPHQL_URL: `http://127.0.0.1:${env.PORT}/graphql` },
      withhold: withheldFrom("storefront"),
      healthUrl: health(env.STOREFRONT_URL),
    });
  return specs;
}
