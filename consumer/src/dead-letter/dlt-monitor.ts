import type { Kafka } from "kafkajs";
import { DLT_MONITOR_GROUP, TOPICS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { decodeIssueEvent } from "#shared/issue-event.ts";
import type { Metrics } from "../monitoring/metrics.ts";
import type { DeadLetterAlert } from "./alert-sink.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import type { DeadLetterRepository, NewDeadLetter } from "./dead-letter-repository.ts";

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

function headerText(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
  name: string,
): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

/** A failure time the worker wrote (ISO-8601), or null when it is missing or not a time. */
function headerDate(headers: Parameters<typeof headerText>[0], name: string): Date | null {
  const text = headerText(headers, name);
  const date = text === null ? null : new Date(text);
  return date === null || Number.isNaN(date.getTime()) ? null : date;
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
          const headers = message.headers ?? {};
          const payload = message.value?.toString("utf8") ?? null;
          const decoded = decodeIssueEvent(payload);
          const headersJson: Record<string, string> = {};
          for (const name of Object.keys(headers))
            headersJson[name] = headerText(headers, name) ?? "";
          const entry: NewDeadLetter = {
            topic,
            partition,
            offset: message.offset,
            recordKey: message.key?.toString("utf8") ?? null,
            payload,
            headers: headersJson,
            errorClass: headerText(headers, DLT_HEADERS.errorClass) ?? "Unknown",
            errorMessage: headerText(headers, DLT_HEADERS.errorMessage) ?? "",
            attempts: Number(headerText(headers, DLT_HEADERS.attempts) ?? 1),
            firstFailedAt: headerDate(headers, DLT_HEADERS.firstFailureAt),
            lastFailedAt: headerDate(headers, DLT_HEADERS.lastFailureAt),
            couponId: decoded.ok ? decoded.event.couponId : null,
          };
          const stored = await repository.record(entry);
          if (!stored.inserted) return; // seen before (redelivery): alerted already
          recorded.inc(1, { error_class: entry.errorClass });
          const originalPartition = headerText(headers, DLT_HEADERS.originalPartition);
          await alert({
            deadLetterId: stored.id,
            topic: headerText(headers, DLT_HEADERS.originalTopic) ?? TOPICS.issueRequests,
            originalPartition: originalPartition === null ? null : Number(originalPartition),
            originalOffset: headerText(headers, DLT_HEADERS.originalOffset),
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
