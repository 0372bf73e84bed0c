// An issue worker: one member of the persistence consumer group.
import { messageOf } from "#shared/errors/message-of.ts";
import { runServiceProcess } from "#shared/http-kit/service-process.ts";
import { createEventVerifier } from "#shared/issue-event-signature.ts";
import { readWorkerConfig } from "../config.ts";
import { createDeadLetterPublisher } from "../dead-letter/dead-letter-publisher.ts";
import { startHealthServer } from "../monitoring/health-server.ts";
import { createWorkerMetrics } from "../monitoring/metrics.ts";
import { openProcessResources } from "../process-resources.ts";
import { createIssueBatchProcessor } from "./issue-batch-processor.ts";
import { createIssueConsumer } from "./issue-consumer.ts";
import { nodeKeyedMac } from "./node-keyed-mac.ts";

await runServiceProcess({
  name: "issue worker",
  readConfig: () => readWorkerConfig("KAFKA"),
  async start(config, processLogger, fail) {
    const logger = processLogger.child({ worker: config.workerId });
    const resources = await openProcessResources(config, `issue-worker-${config.workerId}`, logger);
    const { registry, database, store, kafka, producer } = resources;
    const metrics = createWorkerMetrics(registry);
    const deadLetters = createDeadLetterPublisher(producer, config.deadLetterTopic);

    let joined = false;
    const processor = createIssueBatchProcessor({
      persist: database.persistIssueBatch,
      store,
      deadLetter: deadLetters.publish,
      metrics,
      verifier: createEventVerifier(config.eventKeys.verificationKeys, nodeKeyedMac),
      wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      logger,
    });
    const consumer = createIssueConsumer({
      kafka,
      groupId: config.consumerGroup,
      topic: config.issueTopic,
      processor,
      metrics,
      chunkSize: config.persistChunkSize,
      logger,
    });
    consumer.consumer.on(consumer.consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    consumer.consumer.on(consumer.consumer.events.CRASH, (event) => {
      logger.error(
        { err: event.payload.error, restart: event.payload.restart },
        `consumer crashed: ${event.payload.error.message}`,
      );
      // kafkajs restarts a consumer only after a retriable error. After any other (a commit the
      // group refused because it moved on without this member, frozen past its session timeout)
      // the consumer is gone for good: a process left up would consume nothing while looking
      // alive. It exits, and its supervisor starts a fresh member.
      if (!event.payload.restart) {
        joined = false;
        fail(`its Kafka consumer stopped for good (${event.payload.error.message})`);
      }
    });
    const health = await startHealthServer({
      host: config.metricsHost,
      port: config.metricsPort,
      metrics: config.metricsAccess,
      registry,
      isReady: () => joined,
      httpLimits: config.httpLimits,
    });
    await consumer.start();

    return {
      readyLine: `consuming ${config.issueTopic} as ${config.consumerGroup}; metrics on ${health.url}/metrics`,
      async close() {
        logger.info("finishing the batch in hand");
        await consumer
          .stop()
          .catch((error) => logger.warn({ err: error }, `consumer stop: ${messageOf(error)}`));
        await resources.close();
        await health.close(1000);
      },
    };
  },
});
