import type { IHeaders, Producer } from "kafkajs";
import { TOPICS } from "#shared/defaults.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import { DLT_HEADERS, type FailureInfo } from "./dead-letter-headers.ts";
import { newDeadLetterKey } from "./dead-letter-key.ts";

/**
 * Sends a record that cannot be processed to the DLT, with why and where it came from, named by a
 * key of its own (dead-letter-key.ts) that the DLT monitor records it once by.
 */
export function createDeadLetterPublisher(
  producer: Producer,
  topic: string = TOPICS.issueRequestsDlt,
) {
  return {
    async publish(record: ConsumedRecord, failure: FailureInfo): Promise<void> {
      const headers: IHeaders = {};
      for (const [name, value] of Object.entries(record.headers)) {
        if (value !== undefined) headers[name] = value;
      }
      Object.assign(headers, {
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
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: record.key, value: record.value, headers }],
      });
    },
  };
}

export type DeadLetterPublisher = ReturnType<typeof createDeadLetterPublisher>;
