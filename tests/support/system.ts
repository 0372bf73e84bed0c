import { createServer } from "node:net";
import { inject, type ProvidedContext } from "vitest";
import { TOPICS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { ISSUE_PIPELINES, type IssuePipeline } from "#shared/issue-pipeline.ts";
import { type ClusterNode, formatClusterNodes } from "#shared/redis/redis-endpoint.ts";
import { appProcesses, type GatewayRuntime } from "#stack/app-processes.ts";
import { issueTopics } from "#stack/kafka/kafka-topics.ts";
import { ensureProxyRedisUser, proxyRedisUser } from "#stack/redis-proxy-user.ts";
import { stackEnv } from "#stack/stack-env.ts";
import {
  createSupervisor,
  prefixedWriter,
  type SupervisedProcess,
} from "#stack/supervisor/supervisor.ts";
import { createTopics, deleteTopicsAndGroups } from "./own-kafka.ts";
import type { SystemNames } from "./unique-name.ts";

export interface SystemOptions {
  gatewayRuntime?: GatewayRuntime;
  workers?: number;
  /** Stream workers beside the issue workers. Default 2. */
  streamWorkers?: number;
  /**
   * The pipelines the system runs (`ISSUE_PIPELINES`): without KAFKA no Kafka REST proxy and no
   * issue workers, and no topics are made. Default both.
   */
  pipelines?: readonly IssuePipeline[];
  extraEnv?: Parameters<typeof appProcesses>[0]["extraEnv"];
  /** Infrastructure other than the global setup's (a fault scenario's own broker or Redis). */
  infra?: Partial<ProvidedContext["testEnv"]>;
  /**
   * A Redis Cluster's seed nodes: every process is pointed at the cluster (`REDIS_CLUSTER_NODES`),
   * `infra.REDIS_URL` giving its credentials. Default: none, the one Redis at REDIS_URL.
   */
  redisClusterNodes?: readonly ClusterNode[];
  /**
   * Topics, groups and Redis key prefix of the system's own (`uniqueSystemNames()`): created before
   * the processes start, the topics and groups deleted when it stops. Default: the pinned names.
   */
  names?: SystemNames;
  /**
   * Serve the example storefront too (examples/storefront/, as npm start does), on a port of its
   * own, calling the system's gateway. Default false.
   */
  storefront?: boolean;
  /** Echo the processes' log lines (off unless DEBUG_SYSTEM=1). */
  verbose?: boolean;
}

/** The variables that put every process of a system on `names`. */
function namesEnv(names: SystemNames): Record<string, string> {
  return {
    ISSUE_TOPIC: names.issueTopic,
    DEAD_LETTER_TOPIC: names.deadLetterTopic,
    CONSUMER_GROUP: names.consumerGroup,
    DLT_MONITOR_GROUP: names.dltMonitorGroup,
    REDIS_KEY_PREFIX: names.redisKeyPrefix,
    KAFKA_REST_TOPICS: names.issueTopic,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports: each listened on at once, then all let go. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () =>
              resolve((server.address() as { port: number }).port),
            );
          }),
      ),
    );
  } finally {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    );
  }
}

/**
 * The whole application as real processes (proxies, control, workers, gateway) on free ports,
 * against the test infrastructure from the global setup — the same process list `npm start` runs.
 */
export async function startSystem({
  gatewayRuntime = "node",
  workers = 3,
  streamWorkers = 2,
  pipelines = ISSUE_PIPELINES,
  extraEnv,
  infra: infraOverrides,
  redisClusterNodes = [],
  names,
  storefront = false,
  verbose = process.env.DEBUG_SYSTEM === "1",
}: SystemOptions = {}) {
  const infra = { ...inject("testEnv"), ...infraOverrides };
  const brokers = infra.KAFKA_BROKERS.split(",");
  const withKafka = pipelines.includes("KAFKA");
  if (names && withKafka)
    await createTopics(brokers, issueTopics(names.issueTopic, names.deadLetterTopic));
  // Ports the OS just handed out, not a guessed range: a guess can land on a client connection's
  // port. All held open together until each is known, so no two processes get the same one.
  const [gateway, redisRest, kafkaRest, internal, storefrontPort, ...metricsPorts] =
    (await freePorts(5 + workers + streamWorkers)) as [
      number,
      number,
      number,
      number,
      number,
      ...number[],
    ];
  const streamMetricsPorts = metricsPorts.splice(workers);
  // Every process gets the whole env, so the name variables reach each one that reads them.
  const env = {
    ...stackEnv({
      ...infra,
      PORT: String(gateway),
      REDIS_REST_URL: `http://127.0.0.1:${redisRest}`,
      KAFKA_REST_URL: `http://127.0.0.1:${kafkaRest}`,
      INTERNAL_API_URL: `http://127.0.0.1:${internal}`,
      STOREFRONT_URL: `http://127.0.0.1:${storefrontPort}`,
    }),
    ...(names ? namesEnv(names) : {}),
    ...(redisClusterNodes.length > 0
      ? { REDIS_CLUSTER_NODES: formatClusterNodes(redisClusterNodes) }
      : {}),
  };
  // As npm start does: the Redis REST proxy connects as its own ACL user (in a Redis of the test's
  // own too), everyone else with REDIS_URL.
  const lines: string[] = [];
  const { url: redisRestRedisUrl } = await ensureProxyRedisUser(infra.REDIS_URL, {
    user: proxyRedisUser(env.REDIS_REST_TOKEN),
    clusterNodes: redisClusterNodes,
    log: (line) => lines.push(`[redis] ${line}`),
  });
  const removeNames = async () => {
    if (!names || !withKafka) return;
    await deleteTopicsAndGroups(brokers, {
      topics: [names.issueTopic, names.deadLetterTopic],
      groups: [names.consumerGroup, names.dltMonitorGroup],
    });
  };
  const echo = prefixedWriter();
  const supervisor = createSupervisor({
    // The tests kill and restart processes themselves: a process that dies stays down.
    restart: false,
    write: (name, line) => {
      lines.push(`[${name}] ${line}`);
      if (verbose) echo(name, line);
    },
  });
  const specs = appProcesses({
    env,
    redisRestRedisUrl,
    pipelines,
    workers,
    gatewayRuntime,
    workerMetricsPort: (worker) => metricsPorts[worker - 1] as number,
    streamWorkers,
    streamWorkerMetricsPort: (worker) => streamMetricsPorts[worker - 1] as number,
    storefront,
    extraEnv,
  });
  try {
    for (const spec of specs) await supervisor.start(spec);
  } catch (error) {
    await supervisor.stopAll();
    await removeNames();
    throw new Error(`${messageOf(error)}\n--- last log lines ---\n${lines.slice(-60).join("\n")}`);
  }
  const byName = (name: string) =>
    supervisor.processes.find((p) => p.spec.name === name) as SupervisedProcess;
  const workerProcesses = () =>
    supervisor.processes.filter((p) => p.spec.name.startsWith("worker-"));
  const streamWorkerProcesses = () =>
    supervisor.processes.filter((p) => p.spec.name.startsWith("stream-worker-"));
  const allWorkers = () => [...workerProcesses(), ...streamWorkerProcesses()];
  return {
    env,
    /** The topics and groups the system works on (the pinned ones unless it was given its own). */
    issueTopic: names?.issueTopic ?? TOPICS.issueRequests,
    /** The Redis URL the Redis REST proxy connects with (its own ACL user's, normally). */
    redisRestRedisUrl,
    /** Where the system's Redis is: `env.REDIS_URL`, or a cluster through these nodes. */
    redis: { url: env.REDIS_URL, clusterNodes: redisClusterNodes },
    graphqlUrl: `http://127.0.0.1:${gateway}/graphql`,
    internalApiUrl: env.INTERNAL_API_URL,
    /** The storefront page's origin (served only with `storefront: true`). */
    storefrontUrl: env.STOREFRONT_URL,
    process: byName,
    workers: workerProcesses,
    /** The stream workers (the REDIS_STREAM pipeline's). */
    streamWorkers: streamWorkerProcesses,
    /** Every log line the processes wrote, for assertions and for failure messages. */
    lines,
    /**
     * Restarts one process with these variables changed, as an operator deploys a new setting (the
     * control process with another `ISSUE_PIPELINE_ROLLOUT_PERCENT`, say); later restarts keep them.
     */
    async restartWith(name: string, variables: Record<string, string>): Promise<void> {
      const target = byName(name);
      Object.assign(target.spec.env ?? {}, variables);
      await target.restart();
    },
    /** Both kinds: issue workers and stream workers. */
    pauseWorkers: () => Promise.all(allWorkers().map((w) => w.signal("SIGSTOP"))),
    resumeWorkers: () => Promise.all(allWorkers().map((w) => w.signal("SIGCONT"))),
    async stop() {
      await supervisor.stopAll();
      await removeNames();
    },
  };
}

export type SystemUnderTest = Awaited<ReturnType<typeof startSystem>>;
