import type { Producer } from "kafkajs";
import { TOPICS } from "#shared/defaults.ts";
import { decodeIssueEvent } from "#shared/issue-event.ts";
import type { DeadLetterRepository, DeadLetterRow } from "./dead-letter-repository.ts";

export type ReplayResult =
  | { kind: "replayed"; id: string; requestId: string }
  | { kind: "not-found"; id: string }
  | { kind: "not-replayable"; id: string; reason: string };

export interface DeadLetterReplayOptions {
  /** Where replayed events go. Default `coupon-issue-requests`. */
  topic?: string;
}

/**
 * Puts dead letters back on the issue topic once their cause is fixed. Only records that decode as
 * events are replayed (a malformed one would only come back); the consumer is idempotent by request
 * id, so replaying twice issues nothing twice.
 */
export function createDeadLetterReplay(
  repository: DeadLetterRepository,
  producer: Producer,
  { topic = TOPICS.issueRequests }: DeadLetterReplayOptions = {},
) {
  async function replayRow(row: DeadLetterRow): Promise<ReplayResult> {
    const decoded = decodeIssueEvent(row.payload);
    if (!decoded.ok)
      return { kind: "not-replayable", id: row.id, reason: `${decoded.error}: ${decoded.message}` };
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: row.recordKey,
          value: row.payload,
          headers: { "x-replayed-from-dead-letter": row.id },
        },
      ],
    });
    await repository.markReplayed(row.id);
    return { kind: "replayed", id: row.id, requestId: decoded.event.requestId };
  }

  return {
    async replayOne(id: string): Promise<ReplayResult> {
      const row = await repository.get(id);
      return row ? replayRow(row) : { kind: "not-found", id };
    },
    /** Every dead letter of a coupon not replayed yet. */
    async replayCoupon(couponId: string): Promise<ReplayResult[]> {
      const results: ReplayResult[] = [];
      for (const row of await repository.list({ couponId, onlyNotReplayed: true, limit: 10_000 })) {
        results.push(await replayRow(row));
      }
      return results;
    },
  };
}
