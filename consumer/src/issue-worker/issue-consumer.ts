import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import { CONSUMER_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import type { WorkerMetrics } from "../monitoring/metrics.ts";
import type { IssueBatchProcessor } from "./issue-batch-processor.ts";
import { createChunkRunner } from "./process-with-retries.ts";

export interface IssueConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** The topic consumed. Default `coupon-issue-requests`. */
  topic?: string;
  processor: IssueBatchProcessor;
  metrics: WorkerMetrics;
  /** Records persisted per transaction. Default `CONSUMER_DEFAULTS.persistChunkSize`. */
  chunkSize?: number;
  /** The worker's logger; failures are logged with the chunk's topic, partition and offsets. */
  logger?: Logger;
}

function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: { ...message.headers } as ConsumedRecord["headers"],
  };
}

/**
 * The persistence consumer: a partition's batch in chunks; each chunk's effects are durable in
 * PostgreSQL and recorded in Redis before its offset is committed. Retries and dead letters follow
 * process-with-retries.ts: the partition waits through a transient failure, heartbeats going on.
 */
export function createIssueConsumer({
  kafka,
  groupId,
  topic = TOPICS.issueRequests,
  processor,
  metrics,
  chunkSize = CONSUMER_DEFAULTS.persistChunkSize,
  logger = silentLogger(),
}: IssueConsumerOptions) {
  const consumer: Consumer = kafka.consumer({
    groupId,
    // A crashed worker's partitions move on after this long; heartbeats continue through retries.
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
    retry: { retries: 10 },
  });
  const chunks = createChunkRunner({ processor, metrics, logger });

  return {
    consumer,
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const alive = () => isRunning() && !isStale();
          for (let i = 0; i < batch.messages.length; i += chunkSize) {
            const messages = batch.messages.slice(i, i + chunkSize);
            const last = messages.at(-1);
            if (!last || !alive()) return;
            const records = messages.map((m) => toRecord(batch.topic, batch.partition, m));
            if (!(await chunks.run(records, heartbeat, alive))) return;
            resolveOffset(last.offset);
            await consumer.commitOffsets([
              {
                topic: batch.topic,
                partition: batch.partition,
                offset: (BigInt(last.offset) + 1n).toString(),
              },
            ]);
            metrics.offsetsCommitted.inc(messages.length);
            await heartbeat();
          }
        },
      });
    },
    /** Stops fetching, lets the chunk in hand finish and commit, then leaves the group. */
    async stop(): Promise<void> {
      await consumer.disconnect();
    },
  };
}
