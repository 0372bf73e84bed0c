import type { Producer } from "kafkajs";
import { STREAM_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { ForgedEventError } from "#shared/errors/forged-event-error.ts";
import { decodeIssueEvent } from "#shared/issue-event.ts";
import {
  EVENT_SIGNATURE_HEADER,
  type EventSigner,
  type EventVerifier,
} from "#shared/issue-event-signature.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import type { DeadLetterRepository, DeadLetterRow } from "./dead-letter-repository.ts";

export type ReplayResult =
  | { kind: "replayed"; id: string; requestId: string }
  | { kind: "not-found"; id: string }
  | { kind: "not-replayable"; id: string; reason: string };

export interface DeadLetterReplayOptions {
  /** Signs the replayed event for the topic it goes to. */
  signer: EventSigner;
  /** Checks the signature the original record carried (the event keys, current first). */
  verifier: EventVerifier;
  /** Where replayed events go. Default `coupon-issue-requests`. */
  topic?: string;
  /** For the stream workers' dead letters: appended to their coupon's stream again. */
  store: Pick<AdmissionStore, "enqueue" | "trackStream">;
}

/** Whether a dead letter came from a stream worker (the Redis pipeline) rather than the topic. */
export function isStreamDeadLetter(row: Pick<DeadLetterRow, "headers">): boolean {
  return row.headers[DLT_HEADERS.originalTopic] === STREAM_DEFAULTS.source;
}

/**
 * Puts dead letters back on the issue topic once their cause is fixed. Only records that decode as
 * events are replayed (a malformed one would only come back), and only those whose original record
 * carried a valid signature: replay signs what it produces, so it must not turn a forged event
 * into a signed one. The consumer is idempotent by request id, so replaying twice issues nothing
 * twice. A stream worker's dead letter goes back to its coupon's stream, where only the admission
 * and this replay write: it carries no signature to check (docs/architecture.md, "Signed events").
 */
export function createDeadLetterReplay(
  repository: DeadLetterRepository,
  /** Null where the KAFKA pipeline does not run: a topic's dead letter is then not replayable. */
  producer: Producer | null,
  { signer, verifier, topic = TOPICS.issueRequests, store }: DeadLetterReplayOptions,
) {
  /** Why the row's original record was not signed by a key holder, or null when it was. */
  function unsigned(row: DeadLetterRow): string | null {
    if (row.errorClass === ForgedEventError.name)
      return "forged: it was dead-lettered for its signature, and no fix makes it valid";
    const verified = verifier.verify(
      {
        topic: row.headers[DLT_HEADERS.originalTopic] ?? topic,
        key: row.recordKey,
        value: row.payload,
      },
      row.headers[EVENT_SIGNATURE_HEADER],
    );
    return verified.ok ? null : `not signed by the gateway: ${verified.message}`;
  }

  async function replayRow(row: DeadLetterRow): Promise<ReplayResult> {
    const decoded = decodeIssueEvent(row.payload);
    if (!decoded.ok)
      return { kind: "not-replayable", id: row.id, reason: `${decoded.error}: ${decoded.message}` };
    if (isStreamDeadLetter(row)) {
      const { event } = decoded;
      await store.trackStream(event.couponId);
      await store.enqueue(event.couponId, event.requestId, row.payload ?? "", "replay");
      await repository.markReplayed(row.id);
      return { kind: "replayed", id: row.id, requestId: event.requestId };
    }
    if (!producer)
      return {
        kind: "not-replayable",
        id: row.id,
        reason:
          "the KAFKA pipeline does not run here (ISSUE_PIPELINES): no topic to put it back on",
      };
    const refusal = unsigned(row);
    if (refusal !== null) return { kind: "not-replayable", id: row.id, reason: refusal };
    const signature = signer.sign({ topic, key: row.recordKey, value: row.payload });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: row.recordKey,
          value: row.payload,
          headers: { "x-replayed-from-dead-letter": row.id, [EVENT_SIGNATURE_HEADER]: signature },
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
