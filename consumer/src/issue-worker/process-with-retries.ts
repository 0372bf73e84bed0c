import { messageOf } from "#shared/errors/message-of.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import { isRetriable } from "../is-retriable.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import type { WorkerMetrics } from "../monitoring/metrics.ts";
import type { IssueBatchProcessor } from "./issue-batch-processor.ts";
import { backoffMs, RETRY_DEFAULTS, waitWhileAlive } from "./retry-policy.ts";

export interface ChunkRunnerOptions {
  processor: IssueBatchProcessor;
  metrics: Pick<WorkerMetrics, "retries">;
  /** Failures are logged with the chunk's topic, partition and offsets. */
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

/**
 * The retry and dead-letter policy both worker kinds apply to a chunk of records (the issue
 * workers' Kafka partitions, the stream workers' coupon streams): a transient failure is retried
 * with backoff without limit (the records wait; `keepAlive` keeps the worker their holder
 * meanwhile); a permanent one gets its attempts, then the records that fail on their own go to the
 * dead letters and the rest go on. `run` returns false when the worker stopped or lost the records
 * (`alive`) before they were done: then nothing of them may be acknowledged.
 */
export function createChunkRunner({
  processor,
  metrics,
  logger = silentLogger(),
}: ChunkRunnerOptions) {
  const transientRetries = metrics.retries.labels("transient");
  const permanentRetries = metrics.retries.labels("permanent");

  async function run(
    records: ConsumedRecord[],
    keepAlive: () => Promise<void>,
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
            keepAlive,
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
            keepAlive,
            alive,
          );
          continue;
        }
        const [only] = records;
        if (records.length === 1 && only) {
          return retryTransient(
            () => processor.deadLetterRecord(only, error, permanent, firstFailureAt ?? new Date()),
            keepAlive,
            alive,
          );
        }
        // The chunk fails as a whole every time: each record on its own, so only the culprits go.
        for (const record of records) {
          if (!(await run([record], keepAlive, alive))) return false;
        }
        return true;
      }
    }
    return false;
  }

  async function retryTransient(
    action: () => Promise<void>,
    keepAlive: () => Promise<void>,
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
          keepAlive,
          alive,
        );
      }
    }
    return false;
  }

  return { run };
}

export type ChunkRunner = ReturnType<typeof createChunkRunner>;
