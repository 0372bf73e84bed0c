import type { Kafka } from "kafkajs";
import { DLT_MONITOR_GROUP, STREAM_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { ForgedDeadLetterError } from "#shared/errors/forged-dead-letter-error.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import { isTransientDbError } from "../db/db-errors.ts";
import type { ControlMetrics } from "../monitoring/metrics.ts";
import { createStreamGroup } from "../redis/stream-group.ts";
import type { DeadLetterAlert } from "./alert-sink.ts";
import { deadLetterClassLabel } from "./dead-letter-classes.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import type { DeadLetterRepository, NewDeadLetter } from "./dead-letter-repository.ts";
import { type DltMessage, placeholderDeadLetter, readDltRecord } from "./read-dlt-record.ts";
import { dltMessageOfEntry } from "./stream-dead-letters.ts";

/** Where a DLT record was read, and the record. */
interface Where {
  topic: string;
  partition: number;
  message: DltMessage;
}

/** The stream workers' dead letters (stream-dead-letters.ts), read beside the DLT topic. */
export interface DeadLetterStreamSource {
  /** A connection of its own: XREADGROUP blocks it. */
  redis: IoredisClient;
  /** The dead-letter stream (keys.streamDeadLetters). */
  key: string;
  /** Default `STREAM_DEFAULTS.deadLetterGroup`. */
  group?: string;
  /** Default `STREAM_DEFAULTS.blockMs`. */
  blockMs?: number;
}

export interface DltMonitorOptions {
  /** Null where the KAFKA pipeline does not run: then only the dead-letter stream is read. */
  kafka: Kafka | null;
  repository: DeadLetterRepository;
  /** Takes each new dead letter's alert (alert-sink.ts); the monitor does not wait for it. */
  alert: (payload: DeadLetterAlert) => void;
  metrics: ControlMetrics;
  /** The dead-letter topic read. Default `coupon-issue-requests.DLT`. */
  topic?: string;
  /** Default `coupon-issue-dlt-monitor`. */
  groupId?: string;
  /** The stream workers' dead letters too, when set. */
  stream?: DeadLetterStreamSource;
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
  stream,
  logger = silentLogger(),
}: DltMonitorOptions) {
  const consumer = kafka?.consumer({ groupId, retry: { retries: 10 } }) ?? null;
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

  /** Records one dead letter once (by its key) and alerts it the first time. */
  async function handle(where: Where): Promise<void> {
    const result = await store(read(where), where);
    // Recorded before: a redelivery of the same DLT record, alerted already.
    if (!result?.stored.inserted) return;
    const { stored, entry } = result;
    // A record no worker wrote: its headers say nothing trustworthy (nor a bounded label).
    const worker = entry.malformed === undefined;
    recorded
      .labels(deadLetterClassLabel(worker ? entry.errorClass : ForgedDeadLetterError.name))
      .inc();
    const originalPartition = worker ? entry.headers[DLT_HEADERS.originalPartition] : undefined;
    alert({
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
    });
  }

  /**
   * The dead-letter stream, in a group of its own: each entry recorded like a DLT record, then
   * acknowledged and deleted (PostgreSQL holds it from then on), so the stream stays short. Only
   * PostgreSQL or Redis being away holds it, tried again a moment later.
   */
  function streamLoop(source: DeadLetterStreamSource): { stop(): Promise<void> } {
    const { redis, key } = source;
    const group = source.group ?? STREAM_DEFAULTS.deadLetterGroup;
    const blockMs = source.blockMs ?? STREAM_DEFAULTS.blockMs;
    const entries = createStreamGroup(redis, group, "dlt-monitor");
    let running = true;
    const loop = (async () => {
      let failures = 0;
      let ownFirst = true;
      while (running) {
        try {
          await entries.ensure(key);
          // After a restart, what it was delivered and had not acknowledged, first.
          const batch = ownFirst
            ? await entries.readOwnPending(key, 100)
            : await entries.read([key], 100, blockMs);
          if (ownFirst && batch.length === 0) ownFirst = false;
          for (const entry of batch) {
            if (Object.keys(entry.fields).length > 0)
              await handle({ topic: key, partition: 0, message: dltMessageOfEntry(entry) });
            await redis.multi().xack(key, group, entry.id).xdel(key, entry.id).exec();
          }
          failures = 0;
        } catch (error) {
          failures++;
          logger.warn(
            { stream: key, attempt: failures, err: error },
            `dead-letter stream read failed: ${messageOf(error)}`,
          );
          await new Promise((resolve) => setTimeout(resolve, Math.min(200 * failures, 5000)));
        }
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  let streamRun: { stop(): Promise<void> } | null = null;

  return {
    async start(): Promise<void> {
      if (consumer) {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          // The default autoCommit commits only offsets of messages whose handler returned.
          eachMessage: ({ topic, partition, message }) => handle({ topic, partition, message }),
        });
      }
      if (stream) streamRun = streamLoop(stream);
    },
    async stop(): Promise<void> {
      await streamRun?.stop();
      await consumer?.disconnect();
    },
  };
}
