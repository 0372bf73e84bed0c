import type { Logger } from "#shared/logging/logger.ts";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import type { ConsumerConfig } from "./config.ts";
import { createDatabase } from "./db/database.ts";
import { createDurableProducer, createKafkaClient } from "./kafka/kafka-client.ts";
import { createMetricsRegistry } from "./monitoring/metrics.ts";
import { createRedisClient } from "./redis/redis-client.ts";

/**
 * What every Node process opens first: a metrics registry, PostgreSQL, Redis with the admission
 * store. A stream worker needs no more (the Redis pipeline runs without a broker). `close` lets
 * them go again, PostgreSQL last.
 */
export async function openCoreResources(config: ConsumerConfig, logger: Logger) {
  const registry = createMetricsRegistry();
  const ormLogger = logger.child({ component: "mikro-orm" });
  const database = await createDatabase(config.databaseUrl, undefined, (line) =>
    ormLogger.info(line),
  );
  const redis = createRedisClient({ url: config.redisUrl, clusterNodes: config.redisClusterNodes });
  const store = createAdmissionStore(createIoredisScriptTransport(redis), {
    keyPrefix: config.redisKeyPrefix,
  });
  return {
    /** The process's metrics registry (monitoring/metrics.ts defines what goes in). */
    registry,
    database,
    redis,
    store,
    async close(): Promise<void> {
      // Whatever a connection says on the way out, the others are closed too.
      await redis.quit().catch(() => undefined);
      await database.close();
    },
  };
}

/**
 * A Kafka client and its durable producer, connected: what the KAFKA pipeline's side of a process
 * needs beside the core resources. `close` lets the producer go.
 */
export async function openKafkaResources(
  config: ConsumerConfig,
  kafkaClientId: string,
  logger: Logger,
) {
  const kafka = createKafkaClient(config.kafkaBrokers, kafkaClientId, logger);
  const producer = createDurableProducer(kafka);
  await producer.connect();
  return {
    kafka,
    producer,
    async close(): Promise<void> {
      await producer.disconnect().catch(() => undefined);
    },
  };
}

export type KafkaResources = Awaited<ReturnType<typeof openKafkaResources>>;

/**
 * What the Kafka side's processes (the control process and every issue worker) open: the core
 * resources and a Kafka client with its durable producer, connected. `close` lets them go again,
 * producer first and PostgreSQL last.
 */
export async function openProcessResources(
  config: ConsumerConfig,
  kafkaClientId: string,
  logger: Logger,
) {
  const core = await openCoreResources(config, logger);
  const kafkaSide = await openKafkaResources(config, kafkaClientId, logger);
  return {
    ...core,
    kafka: kafkaSide.kafka,
    producer: kafkaSide.producer,
    async close(): Promise<void> {
      await kafkaSide.close();
      await core.close();
    },
  };
}

export type ProcessResources = Awaited<ReturnType<typeof openProcessResources>>;
