import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { Partitioners } from "kafkajs";
import { issueEventKey } from "#shared/issue-event.ts";
import { createKafkaCluster } from "#stack/kafka/kafka-cluster.ts";
import { kafkaAdminClient } from "#stack/kafka/kafka-probe.ts";
import { ensureTopics } from "#stack/kafka/kafka-topics.ts";
import { ensureProxyRedisUser, proxyRedisUser } from "#stack/redis-proxy-user.ts";
import { createRedisCluster } from "#stack/services/redis-cluster.ts";

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Refuses to start on a port in use, naming the variable that moves the range. */
async function expectFree(ports: number[], variable: string): Promise<void> {
  const busy = [];
  for (const port of ports) if (!(await isFree(port))) busy.push(port);
  if (busy.length > 0)
    throw new Error(`ports ${busy.join(", ")} are in use: set ${variable} to a free range`);
}

/**
 * A Redis Cluster of a test's own (three primaries, a replica each) on six free ports (and their
 * cluster bus ports), data in a temporary directory removed by `stop`, with the Redis REST proxy's
 * ACL user for `redisRestToken` on every node (`proxyUserUrl`: a node's URL with its credentials),
 * as the stack makes it.
 */
export async function startTestRedisCluster({ redisRestToken }: { redisRestToken: string }) {
  let firstPort = 0;
  for (let tries = 0; firstPort === 0; tries++) {
    const candidate = 30_000 + Math.floor(Math.random() * 20_000);
    const ports = Array.from({ length: 6 }, (_, i) => candidate + i);
    const free = await Promise.all([...ports, ...ports.map((p) => p + 10_000)].map(isFree));
    if (free.every(Boolean)) firstPort = candidate;
    else if (tries > 50) throw new Error("no six free ports in a row for a Redis Cluster");
  }
  const dataDir = await mkdtemp(join(tmpdir(), "coupon-redis-cluster-"));
  const cluster = createRedisCluster({ firstPort, dataDir });
  const stopNodes = cluster.stop;
  const stop = async () => {
    await stopNodes();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await cluster.start();
    const { url: proxyUserUrl, commands } = await ensureProxyRedisUser(cluster.urlOf(firstPort), {
      user: proxyRedisUser(redisRestToken),
      clusterNodes: cluster.nodes,
      log: () => undefined,
    });
    if (commands === null) throw new Error("the Redis REST proxy's user could not be made");
    return { ...cluster, stop, proxyUserUrl };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

export interface ClusterProfileOptions {
  /** First Redis node's port (six nodes from there, cluster bus + 10000). Default 17000. */
  redisFirstPort?: number;
  /** First broker's port (three, two apart: each controller on port + 1). Default 29092. */
  kafkaFirstPort?: number;
  log?: (line: string) => void;
}

/**
 * The clustered profile's infrastructure on this machine: a Redis Cluster of three primaries with
 * a replica each and a KRaft cluster of three Kafka nodes (replication factor 3,
 * min.insync.replicas=2) with the pinned topics, data in a temporary directory of its own.
 */
export async function startClusterProfile({
  redisFirstPort = Number(process.env.TEST_REDIS_CLUSTER_PORT ?? 17000),
  kafkaFirstPort = Number(process.env.TEST_KAFKA_CLUSTER_PORT ?? 29092),
  log = () => {},
}: ClusterProfileOptions = {}) {
  const redisPorts = Array.from({ length: 6 }, (_, i) => redisFirstPort + i);
  const kafkaPorts = [0, 2, 4].map((offset) => kafkaFirstPort + offset);
  await expectFree(
    [...redisPorts, ...redisPorts.map((port) => port + 10_000)],
    "TEST_REDIS_CLUSTER_PORT",
  );
  await expectFree(
    kafkaPorts.flatMap((port) => [port, port + 1]),
    "TEST_KAFKA_CLUSTER_PORT",
  );
  const dataDir = await mkdtemp(join(tmpdir(), "coupon-cluster-"));
  const redis = createRedisCluster({
    firstPort: redisFirstPort,
    dataDir: join(dataDir, "redis"),
    log: (line) => log(`[redis] ${line}`),
  });
  const kafka = createKafkaCluster({
    ports: kafkaPorts,
    dataDir: join(dataDir, "kafka"),
    log: (node, line) => log(`[kafka-${node}] ${line}`),
  });
  const stop = async () => {
    await Promise.all([kafka.stop(), redis.stop()]);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.all([redis.start(), kafka.start()]);
    const admin = kafkaAdminClient(kafka.brokers).admin();
    await admin.connect();
    try {
      await ensureTopics(admin);
    } finally {
      await admin.disconnect();
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { redis, kafka, stop };
}

export type ClusterProfile = Awaited<ReturnType<typeof startClusterProfile>>;

/** Runs `work` on a plain connection to one Redis node (no cluster client: that node only). */
export async function onRedisNode<T>(url: string, work: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis(url, { maxRetriesPerRequest: 1 });
  node.on("error", () => undefined);
  try {
    return await work(node);
  } finally {
    node.disconnect();
  }
}

/** The partition of a topic that holds a coupon's events (the key as the Kafka REST proxy uses it). */
export async function partitionOfCoupon(
  brokers: string[],
  topic: string,
  couponId: string,
): Promise<{ partition: number; leader: number; isr: number[] }> {
  const admin = kafkaAdminClient(brokers).admin();
  await admin.connect();
  try {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const partitionMetadata = metadata?.partitions ?? [];
    const partition = Partitioners.DefaultPartitioner()({
      topic,
      partitionMetadata,
      message: { key: issueEventKey(couponId), value: null },
    });
    const found = partitionMetadata.find((p) => p.partitionId === partition);
    return { partition, leader: found?.leader ?? -1, isr: found?.isr ?? [] };
  } finally {
    await admin.disconnect();
  }
}
