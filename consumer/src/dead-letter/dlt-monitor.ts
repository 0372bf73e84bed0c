import type { Kafka } from "kafkajs";
import { DLT_MONITOR_GROUP, TOPICS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import type { Metrics } from "../monitoring/metrics.ts";
import type { DeadLetterAlert } from "./alert-sink.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import type { DeadLetterRepository } from "./dead-letter-repository.ts";
import { readDltRecord } from "./read-dlt-record.ts";

export interface DltMonitorOptions {
  kafka: Kafka;
  repository: DeadLetterRepository;
  alert: (payload: DeadLetterAlert) => Promise<boolean>;
  metrics: Metrics;
  /** The dead-letter topic read. Default `coupon-issue-requests.DLT`. */
  topic?: string;
  /** Default `coupon-issue-dlt-monitor`. */
  groupId?: string;
  log?: (line: string) => void;
}

/** Reads the DLT in a group of its own: every dead letter recorded in PostgreSQL, alerted, counted. */
export function createDltMonitor({
  kafka,
  repository,
  alert,
  metrics,
  topic = TOPICS.issueRequestsDlt,
  groupId = DLT_MONITOR_GROUP,
  log = console.log,
}: DltMonitorOptions) {
  const consumer = kafka.consumer({ groupId, retry: { retries: 10 } });
  const recorded = metrics.counter(
    "dead_letters_recorded_total",
    "Dead letters recorded by the DLT monitor.",
  );

  return {
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        // The default autoCommit commits only offsets of messages whose handler returned.
        eachMessage: async ({ topic, partition, message }) => {
          const entry = readDltRecord(topic, partition, message);
          const stored = await repository.record(entry);
          // Recorded before: a redelivery of the same DLT record, alerted already.
          if (!stored.inserted) return;
          recorded.inc(1, { error_class: entry.errorClass });
          const originalPartition = entry.headers[DLT_HEADERS.originalPartition];
          await alert({
            deadLetterId: stored.id,
            topic: entry.headers[DLT_HEADERS.originalTopic] ?? TOPICS.issueRequests,
            originalPartition: originalPartition === undefined ? null : Number(originalPartition),
            originalOffset: entry.headers[DLT_HEADERS.originalOffset] ?? null,
            couponId: entry.couponId,
            errorClass: entry.errorClass,
            errorMessage: entry.errorMessage,
            attempts: entry.attempts,
            recordedAt: new Date().toISOString(),
          }).catch((error) => log(`alert failed: ${messageOf(error)}`));
        },
      });
    },
    async stop(): Promise<void> {
      await consumer.disconnect();
    },
  };
}
