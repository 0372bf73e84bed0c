import type { IHeaders, KafkaMessage } from "kafkajs";
import { decodeIssueEvent } from "#shared/issue-event.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import { deadLetterKeyOf } from "./dead-letter-key.ts";
import type { NewDeadLetter } from "./dead-letter-repository.ts";

function headerText(headers: IHeaders, name: string): string | null {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

/** A failure time the worker wrote (ISO-8601), or null when it is missing or not a time. */
function headerDate(headers: IHeaders, name: string): Date | null {
  const text = headerText(headers, name);
  const date = text === null ? null : new Date(text);
  return date === null || Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A record of the dead-letter topic as the dead letter to record: its identity, where it was read,
 * the original record and why it failed, from the headers the worker wrote (any worker's, those
 * without an `x-dead-letter-key` too). Headers arrive as bytes; they are kept as text.
 */
export function readDltRecord(
  topic: string,
  partition: number,
  message: KafkaMessage,
): NewDeadLetter {
  const raw = message.headers ?? {};
  const headers: Record<string, string> = {};
  for (const name of Object.keys(raw)) headers[name] = headerText(raw, name) ?? "";
  const payload = message.value?.toString("utf8") ?? null;
  const decoded = decodeIssueEvent(payload);
  return {
    letterKey: deadLetterKeyOf({ topic, partition, offset: message.offset, headers }),
    topic,
    partition,
    offset: message.offset,
    recordKey: message.key?.toString("utf8") ?? null,
    payload,
    headers,
    errorClass: headers[DLT_HEADERS.errorClass] ?? "Unknown",
    errorMessage: headers[DLT_HEADERS.errorMessage] ?? "",
    attempts: Number(headers[DLT_HEADERS.attempts] ?? 1),
    firstFailedAt: headerDate(raw, DLT_HEADERS.firstFailureAt),
    lastFailedAt: headerDate(raw, DLT_HEADERS.lastFailureAt),
    couponId: decoded.ok ? decoded.event.couponId : null,
  };
}
