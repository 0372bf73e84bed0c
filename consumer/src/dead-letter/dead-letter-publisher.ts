import type { IHeaders, Producer } from "kafkajs";
import { TOPICS } from "#shared/defaults.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import { DLT_HEADERS, type FailureInfo } from "./dead-letter-headers.ts";
import { newDeadLetterKey } from "./dead-letter-key.ts";

/**
 * A dead letter's headers: the original record's, then why and where it came from, named by a key
 * of its own (dead-letter-key.ts) that the DLT monitor records it once by. Both dead-letter
 * destinations (the DLT topic, the stream workers' dead-letter stream) carry exactly these.
 */
export function deadLetterHeaders(record: ConsumedRecord, failure: FailureInfo): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined) headers[name] = value;
  }
  return Object.assign(headers, {
    [DLT_HEADERS.originalTopic]: record.topic,
    [DLT_HEADERS.originalPartition]: String(record.partition),
    [DLT_HEADERS.originalOffset]: record.offset,
    [DLT_HEADERS.attempts]: String(failure.attempts),
    [DLT_HEADERS.errorClass]: failure.errorClass,
    [DLT_HEADERS.errorMessage]: failure.errorMessage.slice(0, 2000),
    [DLT_HEADERS.firstFailureAt]: failure.firstFailureAt.toISOString(),
    [DLT_HEADERS.lastFailureAt]: failure.lastFailureAt.toISOString(),
    // Set last, over any copied from the original record: each dead-lettering is a new letter.
    [DLT_HEADERS.deadLetterKey]: newDeadLetterKey(),
  });
}

/** Sends a record that cannot be processed to the DLT (see `deadLetterHeaders`). */
export function createDeadLetterPublisher(
  producer: Producer,
  topic: string = TOPICS.issueRequestsDlt,
) {
  return {
    async publish(record: ConsumedRecord, failure: FailureInfo): Promise<void> {
      await producer.send({
        topic,
        acks: -1,
        messages: [
          { key: record.key, value: record.value, headers: deadLetterHeaders(record, failure) },
        ],
      });
    },
  };
}

export type DeadLetterPublisher = ReturnType<typeof createDeadLetterPublisher>;
