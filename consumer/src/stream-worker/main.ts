// A stream worker: one member of the stream workers' group on the REDIS_STREAM coupons' streams.
// It needs PostgreSQL and Redis only: no broker.
import { messageOf } from "#shared/errors/message-of.ts";
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { readWorkerConfig } from "../config.ts";
import { createStreamDeadLetterPublisher } from "../dead-letter/stream-dead-letters.ts";
import { createIssueBatchProcessor } from "../issue-worker/issue-batch-processor.ts";
import { startHealthServer } from "../monitoring/health-server.ts";
import { createStreamWorkerMetrics } from "../monitoring/metrics.ts";
import { openCoreResources } from "../process-resources.ts";
import { createRedisClient, untilConnected } from "../redis/redis-client.ts";
import { createStreamConsumer } from "./stream-consumer.ts";

await runServiceProcess({
  name: "stream worker",
  readConfig: () => readWorkerConfig("REDIS_STREAM"),
  async start(config, processLogger) {
    const logger = processLogger.child({ streamWorker: config.workerId });
    const resources = await openCoreResources(config, logger);
    const { registry, database, redis, store } = resources;
    const metrics = createStreamWorkerMetrics(registry);
    // XREADGROUP blocks its connection: one of its own.
    const reader = createRedisClient({
      url: config.redisUrl,
      clusterNodes: config.redisClusterNodes,
    });
    const deadLetters = createStreamDeadLetterPublisher(redis, store.keys.streamDeadLetters);

    const processor = createIssueBatchProcessor({
      persist: database.persistIssueBatch,
      store,
      deadLetter: deadLetters.publish,
      metrics,
      // Only admit.lua writes a coupon's stream (docs/architecture.md, "The Redis Stream pipeline").
      verifier: null,
      wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      logger,
    });
    const consumer = createStreamConsumer({
      redis: reader,
      store,
      processor,
      metrics,
      consumerName: `stream-worker-${config.workerId}`,
      group: config.stream.group,
      chunkSize: config.persistChunkSize,
      claimIdleMs: config.stream.claimIdleMs,
      logger,
    });
    const health = await startHealthServer({
      host: config.metricsHost,
      port: config.metricsPort,
      metrics: config.metricsAccess,
      registry,
      isReady: consumer.isReady,
      httpLimits: config.httpLimits,
    });
    await untilConnected(reader);
    consumer.start();

    return {
      readyLine: `reading the REDIS_STREAM coupons' streams as ${config.stream.group}; metrics on ${health.url}/metrics`,
      async close() {
        logger.info("finishing the chunk in hand");
        await consumer
          .stop()
          .catch((error) => logger.warn({ err: error }, `consumer stop: ${messageOf(error)}`));
        reader.disconnect();
        await resources.close();
        await health.close(1000);
      },
    };
  },
});
