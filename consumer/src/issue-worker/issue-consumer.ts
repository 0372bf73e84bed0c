import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import { CONSUMER_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import { isRetriable } from "../is-retriable.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import type { WorkerMetrics } from "../monitoring/metrics.ts";
import type { IssueBatchProcessor } from "./issue-batch-processor.ts";
import { backoffMs, RETRY_DEFAULTS, waitWhileAlive } from "./retry-policy.ts";

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

/** Where a chunk of records lies: what a log line about it carries. */
function chunkOf(records: ConsumedRecord[]) {
  return {
    topic: records[0]?.topic,
    partition: records[0]?.partition,
    firstOffset: records[0]?.offset,
    lastOffset: records.at(-1)?.offset,
  };
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
 * PostgreSQL and recorded in Redis before its offset is committed. A transient failure is retried
 * with backoff (the partition waits, heartbeats go on); a permanent one gets its attempts, then the
 * records that fail on their own go to the DLT and the partition moves on.
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
  const transientRetries = metrics.retries.labels("transient");
  const permanentRetries = metrics.retries.labels("permanent");

  /** Returns false when the consumer stopped or lost the partition before the records were done. */
  async function processWithRetries(
    records: ConsumedRecord[],
    heartbeat: () => Promise<void>,
    alive: () => boolean,
  ): Promise<boolean> {
    let transient = 0;
    let permanent = 0;
    let firstFailureAt: Date | undefined;
    while (alive()) {
      try {
        await processor.processChunk(records);
        return true;
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        if (isRetriable(error)) {
          transient++;
          transientRetries.inc();
          logger.warn(
            { ...chunkOf(records), attempt: transient, err: error },
            `transient failure, retrying: ${error.message}`,
          );
          await waitWhileAlive(
            backoffMs(transient, RETRY_DEFAULTS.transientBaseMs, RETRY_DEFAULTS.transientMaxMs),
            heartbeat,
            alive,
          );
          continue;
        }
        firstFailureAt ??= new Date();
        permanent++;
        logger.warn(
          {
            ...chunkOf(records),
            attempt: permanent,
            attempts: RETRY_DEFAULTS.permanentAttempts,
            err: error,
          },
          `permanent failure: ${error.name}: ${error.message}`,
        );
        if (permanent < RETRY_DEFAULTS.permanentAttempts) {
          permanentRetries.inc();
          await waitWhileAlive(
            RETRY_DEFAULTS.permanentBaseMs * 2 ** (permanent - 1),
            heartbeat,
            alive,
          );
          continue;
        }
        const [only] = records;
        if (records.length === 1 && only) {
          return retryTransient(
            () => processor.deadLetterRecord(only, error, permanent, firstFailureAt ?? new Date()),
            heartbeat,
            alive,
          );
        }
        // The chunk fails as a whole every time: each record on its own, so only the culprits go.
        for (const record of records) {
          if (!(await processWithRetries([record], heartbeat, alive))) return false;
        }
        return true;
      }
    }
    return false;
  }

  async function retryTransient(
    action: () => Promise<void>,
    heartbeat: () => Promise<void>,
    alive: () => boolean,
  ): Promise<boolean> {
    for (let attempt = 1; alive(); attempt++) {
      try {
        await action();
        return true;
      } catch (error) {
        logger.warn({ attempt, err: error }, `dead-lettering failed: ${messageOf(error)}`);
        await waitWhileAlive(
          backoffMs(attempt, RETRY_DEFAULTS.transientBaseMs, RETRY_DEFAULTS.transientMaxMs),
          heartbeat,
          alive,
        );
      }
    }
    return false;
  }

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
            if (!(await processWithRetries(records, heartbeat, alive))) return;
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
