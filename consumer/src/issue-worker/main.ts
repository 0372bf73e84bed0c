// An issue worker: one member of the persistence consumer group.
import type { Redis } from "ioredis";
import { messageOf } from "#shared/errors/message-of.ts";
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import { readConsumerConfig } from "../config.ts";
import { createDatabase } from "../db/database.ts";
import { createDeadLetterPublisher } from "../dead-letter/dead-letter-publisher.ts";
import { createDurableProducer, createKafkaClient } from "../kafka/kafka-client.ts";
import { startHealthServer } from "../monitoring/health-server.ts";
import { createMetrics } from "../monitoring/metrics.ts";
import { createRedisClient } from "../redis/redis-client.ts";
import { createIssueBatchProcessor } from "./issue-batch-processor.ts";
import { createIssueConsumer } from "./issue-consumer.ts";

await runServiceProcess({
  name: "issue worker",
  async start() {
    const config = readConsumerConfig();
    const log = console.log;
    const metrics = createMetrics();
    const database = await createDatabase(config.databaseUrl);
    const redis: Redis = createRedisClient(config.redisUrl);
    const store = createAdmissionStore(createIoredisScriptTransport(redis), {
      keyPrefix: config.redisKeyPrefix,
    });
    const kafka = createKafkaClient(config.kafkaBrokers, `issue-worker-${config.workerId}`);
    const producer = createDurableProducer(kafka);
    await producer.connect();
    const deadLetters = createDeadLetterPublisher(producer, config.deadLetterTopic);

    let joined = false;
    const processor = createIssueBatchProcessor({
      persist: database.persistIssueBatch,
      store,
      deadLetter: deadLetters.publish,
      metrics,
      wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    const consumer = createIssueConsumer({
      kafka,
      groupId: config.consumerGroup,
      topic: config.issueTopic,
      processor,
      metrics,
      chunkSize: config.persistChunkSize,
      log,
    });
    consumer.consumer.on(consumer.consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    consumer.consumer.on(consumer.consumer.events.CRASH, (event) => {
      log(`consumer crashed: ${event.payload.error.message} (restart: ${event.payload.restart})`);
    });
    const health = await startHealthServer({
      port: config.metricsPort,
      metrics,
      isReady: () => joined,
    });
    await consumer.start();

    return {
      readyLine: `consuming ${config.issueTopic} as ${config.consumerGroup}; metrics on http://127.0.0.1:${config.metricsPort}/metrics`,
      async close() {
        log("finishing the batch in hand");
        await consumer.stop().catch((error) => log(`consumer stop: ${messageOf(error)}`));
        await producer.disconnect().catch(() => undefined);
        await redis.quit().catch(() => undefined);
        await database.close();
        await health.close(1000);
      },
    };
  },
});
