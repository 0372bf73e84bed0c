import { z } from "zod";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";

/**
 * The identity of a dead letter: what the DLT monitor records each dead letter once by.
 *
 * Not an offset. Offsets are positions in one incarnation of a topic: a topic deleted and created
 * again, a cluster replaced or restored, a move to a new broker fleet all count from 0 again while
 * PostgreSQL keeps the dead letters it recorded, and a new dead letter at a repeated offset would be
 * taken for the old one and lost (no row, no alert, nothing to replay).
 *
 * The worker that dead-letters a record names it instead: a fresh UUIDv7 in the `x-dead-letter-key`
 * header of the DLT record. The name travels inside the record, so every redelivery of that DLT
 * record (the monitor stopped before committing, its group's offsets reset) carries the same key and
 * records nothing new, and no two dead-letterings share a key, whatever the offsets. Not chosen: the
 * original record's coordinates plus its Kafka timestamp, because that timestamp is whatever its
 * producer set (the Kafka REST proxy passes a client's through), so two different records may share
 * it. The price of a fresh name: a worker that publishes one failure twice (it died between the DLT
 * write and its offset commit, or retried a DLT write whose outcome it did not learn) makes two dead
 * letters, both recorded and alerted; replaying both issues nothing twice, as the consumer is
 * idempotent by request id.
 */
export function newDeadLetterKey(): string {
  return uuidV7();
}

export interface DltRecordIdentity {
  /** Coordinates of the record in the dead-letter topic. */
  topic: string;
  partition: number;
  offset: string;
  /** Its headers as text. */
  headers: Readonly<Record<string, string>>;
}

const namedKey = z.uuid();

/** The key the worker named the record with, or, for a record of an older worker, `legacyDeadLetterKey`. */
export function deadLetterKeyOf(record: DltRecordIdentity): string {
  const named = namedKey.safeParse(record.headers[DLT_HEADERS.deadLetterKey]);
  return named.success ? named.data : legacyDeadLetterKey(record);
}

/**
 * A deterministic key for a DLT record written before workers named them: its own coordinates and
 * the `x-last-failure-at` time its worker stamped on it (every worker did), which tells apart two
 * records at the same coordinates in two incarnations of the topic. Migration 0003 gave the rows
 * recorded before it the same key, in SQL, from the coordinates and headers each row stores, so a
 * redelivered old record finds its row: the two must agree (dead-letter-key.test.ts checks it).
 */
export function legacyDeadLetterKey({
  topic,
  partition,
  offset,
  headers,
}: DltRecordIdentity): string {
  return `legacy:${topic}/${partition}/${offset}/${headers[DLT_HEADERS.lastFailureAt] ?? ""}`;
}
