import type { Kafka, KafkaMessage } from "kafkajs";
import { DLT_MONITOR_GROUP, TOPICS } from "#shared/defaults.ts";
import { ForgedDeadLetterError } from "#shared/errors/forged-dead-letter-error.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import { isTransientDbError } from "../db/db-errors.ts";
import type { ControlMetrics } from "../monitoring/metrics.ts";
import type { DeadLetterAlert } from "./alert-sink.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import type { DeadLetterRepository, NewDeadLetter } from "./dead-letter-repository.ts";
import { placeholderDeadLetter, readDltRecord } from "./read-dlt-record.ts";

/** Where a DLT record was read, and the record. */
interface Where {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface DltMonitorOptions {
  kafka: Kafka;
  repository: DeadLetterRepository;
  alert: (payload: DeadLetterAlert) => Promise<boolean>;
  metrics: ControlMetrics;
  /** The dead-letter topic read. Default `coupon-issue-requests.DLT`. */
  topic?: string;
  /** Default `coupon-issue-dlt-monitor`. */
  groupId?: string;
  /** Lines about a DLT record carry its topic, partition and offset. */
  logger?: Logger;
}

/**
 * Reads the DLT in a group of its own: every dead letter recorded in PostgreSQL, alerted, counted.
 * It never stops on one record: whatever a record holds is read into something storable
 * (read-dlt-record.ts), one PostgreSQL still refuses is recorded as a marked placeholder, and only a
 * PostgreSQL that is away holds the partition (the record is fine; it is recorded once it is back).
 */
export function createDltMonitor({
  kafka,
  repository,
  alert,
  metrics,
  topic = TOPICS.issueRequestsDlt,
  groupId = DLT_MONITOR_GROUP,
  logger = silentLogger(),
}: DltMonitorOptions) {
  const consumer = kafka.consumer({ groupId, retry: { retries: 10 } });
  const recorded = metrics.deadLettersRecorded;

  /** Stores the entry; a permanent refusal stores a placeholder instead, and then gives up. */
  async function store(
    entry: NewDeadLetter,
    where: Where,
  ): Promise<{ stored: { id: string; inserted: boolean }; entry: NewDeadLetter } | null> {
    const at = `${where.topic}[${where.partition}]@${where.message.offset}`;
    let refusal: unknown;
    try {
      return { stored: await repository.record(entry), entry };
    } catch (error) {
      if (isTransientDbError(error)) throw error;
      refusal = error;
    }
    logger.warn(
      { record: at, err: refusal },
      `DLT record could not be stored as read: ${messageOf(refusal)}; storing a placeholder`,
    );
    const placeholder = placeholderDeadLetter(
      where.topic,
      where.partition,
      where.message,
      messageOf(refusal),
    );
    try {
      return { stored: await repository.record(placeholder), entry: placeholder };
    } catch (error) {
      if (isTransientDbError(error)) throw error;
      logger.error(
        { alert: true, event: "dead_letter_not_recorded", record: at, err: error },
        `DLT record not recorded: ${messageOf(error)}`,
      );
      return null;
    }
  }

  /** The record as a dead letter; should reading it ever throw, a placeholder of it. */
  function read({ topic, partition, message }: Where): NewDeadLetter {
    try {
      return readDltRecord(topic, partition, message);
    } catch (error) {
      return placeholderDeadLetter(topic, partition, message, `unreadable: ${messageOf(error)}`);
    }
  }

  return {
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        // The default autoCommit commits only offsets of messages whose handler returned.
        eachMessage: async ({ topic, partition, message }) => {
          const where = { topic, partition, message };
          const result = await store(read(where), where);
          // Recorded before: a redelivery of the same DLT record, alerted already.
          if (!result?.stored.inserted) return;
          const { stored, entry } = result;
          // A record no worker wrote: its headers say nothing trustworthy (nor a bounded label).
          const worker = entry.malformed === undefined;
          recorded.labels(worker ? entry.errorClass : ForgedDeadLetterError.name).inc();
          const originalPartition = worker
            ? entry.headers[DLT_HEADERS.originalPartition]
            : undefined;
          await alert({
            deadLetterId: stored.id,
            topic: (worker && entry.headers[DLT_HEADERS.originalTopic]) || TOPICS.issueRequests,
            originalPartition: originalPartition === undefined ? null : Number(originalPartition),
            originalOffset: (worker && entry.headers[DLT_HEADERS.originalOffset]) || null,
            couponId: entry.couponId,
            errorClass: entry.errorClass,
            errorMessage: entry.errorMessage,
            attempts: entry.attempts,
            recordedAt: new Date().toISOString(),
            ...(worker ? {} : { malformed: entry.malformed }),
          }).catch((error) =>
            logger.warn(
              { deadLetterId: stored.id, err: error },
              `alert failed: ${messageOf(error)}`,
            ),
          );
        },
      });
    },
    async stop(): Promise<void> {
      await consumer.disconnect();
    },
  };
}
