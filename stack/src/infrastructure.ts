import { migrate } from "#consumer/db/migrate.ts";
import { LOCAL_DEFAULTS } from "#shared/defaults.ts";
import type { ClusterNode } from "#shared/redis/redis-endpoint.ts";
import { createKafkaBroker, type KafkaBroker } from "./kafka/kafka-broker.ts";
import { isKafkaReady, kafkaAdminClient } from "./kafka/kafka-probe.ts";
import { ensureTopics, REQUIRED_TOPICS, type TopicSpec } from "./kafka/kafka-topics.ts";
import { ensureProxyRedisUser, proxyRedisUser } from "./redis-proxy-user.ts";
import { ensureDatabase, ensurePostgres } from "./services/postgres-server.ts";
import { ensureRedis, type StartedService } from "./services/redis-server.ts";
import { assertPortFree } from "./supervisor/port-holders.ts";

export interface InfrastructureOptions {
  databaseUrl: string;
  redisUrl: string;
  /**
   * A Redis Cluster's seed nodes: it must be running (none is started here), and the Redis REST
   * proxy's ACL user is made on each of its nodes. Default: none, the one Redis at `redisUrl`.
   */
  redisClusterNodes?: readonly ClusterNode[];
  kafkaBrokers: string;
  /**
   * Whether Kafka is needed (the KAFKA pipeline runs). Without it no broker is probed, started or
   * given topics: a Redis-only system needs none. Default true.
   */
  withKafka?: boolean;
  /** The Redis REST proxy's token, from which its Redis user's password is derived. */
  redisRestToken?: string;
  /** The topics to make when missing. Default the pinned issue topic and its dead-letter topic. */
  topics?: readonly TopicSpec[];
  log?: (service: string, line: string) => void;
}

export interface Infrastructure {
  /** The broker this run started, or null when one was already running. */
  kafka: KafkaBroker | null;
  /**
   * The Redis URL the Redis REST proxy connects with: as its own ACL user (redis-proxy-user.ts), or
   * `redisUrl` itself when that user could not be made.
   */
  redisRestRedisUrl: string;
  stop(): Promise<void>;
}

/**
 * Kafka (unless `withKafka` is false), Redis and PostgreSQL: each reused when already reachable at
 * its configured address, else started here; then the Redis REST proxy's ACL user, the database,
 * its migrations and the topics.
 * Stops only what it started.
 */
export async function startInfrastructure({
  databaseUrl,
  redisUrl,
  redisClusterNodes = [],
  kafkaBrokers,
  withKafka = true,
  redisRestToken = LOCAL_DEFAULTS.REDIS_REST_TOKEN,
  topics = REQUIRED_TOPICS,
  log = (s, l) => console.log(`[${s}] ${l}`),
}: InfrastructureOptions): Promise<Infrastructure> {
  const started: StartedService[] = [];
  let kafka: KafkaBroker | null = null;
  let redisRestRedisUrl = redisUrl;
  const stop = async () => {
    await kafka?.stop();
    for (const service of started.reverse()) await service.stop();
  };
  try {
    const proxyUser = proxyRedisUser(redisRestToken);
    const logRedis = (line: string) => log("redis", line);
    if (redisClusterNodes.length === 0)
      started.push(await ensureRedis(redisUrl, logRedis, { proxyUser }));
    ({ url: redisRestRedisUrl } = await ensureProxyRedisUser(redisUrl, {
      user: proxyUser,
      clusterNodes: redisClusterNodes,
      log: logRedis,
    }));
    started.push(await ensurePostgres(databaseUrl, (line) => log("postgres", line)));
    await ensureDatabase(databaseUrl);
    await migrate(databaseUrl);
    if (!withKafka) return { kafka, redisRestRedisUrl, stop };
    const brokers = kafkaBrokers.split(",").map((b) => b.trim());
    if (!(await isKafkaReady(brokers))) {
      const [host, port] = (brokers[0] ?? "").split(":");
      if (brokers.length !== 1 || !["127.0.0.1", "localhost"].includes(host ?? "")) {
        throw new Error(
          `Kafka is not reachable at ${kafkaBrokers}, and only a local single broker can be started here`,
        );
      }
      // Not answering as Kafka, yet held (an app process of another run, say): say by whom.
      const clientPort = Number(port || 9092);
      await assertPortFree(clientPort, host ?? "127.0.0.1", "Kafka");
      await assertPortFree(clientPort + 1, host ?? "127.0.0.1", "the Kafka controller");
      kafka = createKafkaBroker({
        // Without a port, the broker's own default (Kafka's 9092).
        ...(port ? { port: Number(port) } : {}),
        log: (line) => log("kafka", line),
      });
      log("kafka", `starting Apache Kafka 3.9.1 (KRaft) on ${brokers[0]}`);
      await kafka.start();
    }
    const admin = kafkaAdminClient(brokers).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topics);
    } finally {
      await admin.disconnect();
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { kafka, redisRestRedisUrl, stop };
}
