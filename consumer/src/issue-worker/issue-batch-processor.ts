import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { ForgedEventError } from "#shared/errors/forged-event-error.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { decodeIssueEvent, type IssueEvent } from "#shared/issue-event.ts";
import { EVENT_SIGNATURE_HEADER, type EventVerifier } from "#shared/issue-event-signature.ts";
import {
  failed,
  type RequestRef,
  reasonOf,
  type Settlement,
  statusOf,
} from "#shared/lifecycle/outcome.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import type { PersistIssueBatchResult } from "../db/persist-issue-batch.ts";
import type { FailureInfo } from "../dead-letter/dead-letter-headers.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import type { WorkerMetrics } from "../monitoring/metrics.ts";
import { RETRY_DEFAULTS } from "./retry-policy.ts";

/**
 * Persists events in one transaction, idempotently; `withdrawn` requests fail NOT_RECORDED. Throws
 * a `DatabaseError` whose class says whether the same batch may succeed later (see is-retriable.ts).
 */
export type PersistBatch = (
  events: IssueEvent[],
  withdrawn: ReadonlySet<string>,
) => Promise<PersistIssueBatchResult>;

export interface IssueBatchProcessorDeps {
  persist: PersistBatch;
  store: AdmissionStore;
  deadLetter: (record: ConsumedRecord, failure: FailureInfo) => Promise<void>;
  metrics: WorkerMetrics;
  /**
   * Checks each record's signature (the event keys, current first) before anything else. Null for
   * a source only the admission itself writes (a coupon's Redis stream, appended by admit.lua: see
   * docs/architecture.md, "The Redis Stream pipeline"), whose records carry no signature.
   */
  verifier: EventVerifier | null;
  /** Waits between attempts of a permanent failure; keeps the group membership alive meanwhile. */
  wait: (ms: number) => Promise<void>;
  permanentAttempts?: number;
  permanentBaseMs?: number;
  /** A dead-lettered record is logged with its place in the topic and, when readable, its ids. */
  logger?: Logger;
}

const requestOf = ({ requestId, userId, couponId, requestedAt }: IssueEvent): RequestRef => ({
  requestId,
  userId,
  couponId,
  requestedAt,
});

interface Decoded {
  record: ConsumedRecord;
  event: IssueEvent;
}

/**
 * One chunk of a partition's records, in offset order: records without a valid signature and bad
 * records to the DLT, the rest persisted in one transaction, then every outcome recorded in Redis
 * (status, slot, stock) and published. Throws only what the caller should retry (transient);
 * offsets may be committed when it returns.
 */
export function createIssueBatchProcessor({
  persist,
  store,
  deadLetter,
  metrics,
  verifier,
  wait,
  permanentAttempts = RETRY_DEFAULTS.permanentAttempts,
  permanentBaseMs = RETRY_DEFAULTS.permanentBaseMs,
  logger = silentLogger(),
}: IssueBatchProcessorDeps) {
  /** Persists in one transaction, timed and its size recorded. */
  async function persistTimed(
    events: IssueEvent[],
    withdrawn: ReadonlySet<string>,
  ): Promise<PersistIssueBatchResult> {
    const stopTimer = metrics.persistDuration.startTimer();
    const result = await persist(events, withdrawn);
    stopTimer();
    metrics.persistBatchSize.observe(events.length);
    return result;
  }

  async function sendToDlt(
    record: ConsumedRecord,
    errorClass: string,
    errorMessage: string,
    attempts: number,
    firstFailureAt: Date,
  ) {
    // The broker being away is transient whatever kafkajs concluded after its own retries.
    await deadLetter(record, {
      errorClass,
      errorMessage,
      attempts,
      firstFailureAt,
      lastFailureAt: new Date(),
    }).catch((error: unknown) =>
      Promise.reject(
        new DependencyUnavailableError(`dead-lettering failed: ${messageOf(error)}`, {
          cause: error,
        }),
      ),
    );
    metrics.deadLetters.labels(errorClass).inc();
    const decoded = decodeIssueEvent(record.value);
    logger.warn(
      {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        ...(decoded.ok
          ? { requestId: decoded.event.requestId, couponId: decoded.event.couponId }
          : {}),
        errorClass,
        attempts,
      },
      `dead-lettered: ${errorMessage}`,
    );
  }

  /** Whether a signer wrote exactly this record, for this topic and key; why not, when not. */
  function forgery(record: ConsumedRecord): ForgedEventError | null {
    if (verifier === null) return null;
    const verified = verifier.verify(
      { topic: record.topic, key: record.key, value: record.value },
      record.headers[EVENT_SIGNATURE_HEADER],
    );
    return verified.ok ? null : new ForgedEventError(verified.message);
  }

  async function settle(decoded: Decoded[], result: PersistIssueBatchResult): Promise<void> {
    const byCoupon = new Map<string, Settlement[]>();
    for (const { event } of decoded) {
      const outcome = result.outcomes.get(event.requestId);
      if (!outcome || outcome.kind === "coupon-not-found") continue;
      const settled: Settlement = { request: requestOf(event), outcome };
      byCoupon.set(event.couponId, [...(byCoupon.get(event.couponId) ?? []), settled]);
    }
    for (const [couponId, outcomes] of byCoupon) {
      await store.settle(couponId, outcomes, result.issuedCounts.get(couponId) ?? null);
      // Counted once Redis holds it (what a caller can now see), and only what this transaction
      // decided: an event delivered again after a rebalance gets its outcome again, not a count.
      const settledAt = Date.now();
      for (const { request, outcome } of outcomes) {
        if (!result.decidedNow.has(request.requestId)) continue;
        metrics.outcomes.labels(statusOf(outcome), reasonOf(outcome) ?? "").inc();
        if (outcome.kind === "issued")
          metrics.acceptedToIssued.observe((settledAt - Date.parse(request.requestedAt)) / 1000);
      }
    }
  }

  /**
   * Dead-letters a record that failed every attempt. A request admitted in Redis ends FAILED with
   * its stock and slot given back, so it neither stays PENDING nor is re-produced by the reconciler.
   */
  async function deadLetterRecord(
    record: ConsumedRecord,
    error: Error,
    attempts: number,
    firstFailureAt: Date,
  ): Promise<void> {
    await sendToDlt(record, error.name || "Error", error.message, attempts, firstFailureAt);
    // Only a signed event names a request its signer admitted: a forged one must not fail anyone's.
    if (forgery(record)) return;
    const decoded = decodeIssueEvent(record.value);
    if (!decoded.ok) return;
    const { event } = decoded;
    await store.settle(
      event.couponId,
      [{ request: requestOf(event), outcome: failed("DEAD_LETTERED") }],
      null,
    );
    metrics.outcomes.labels("FAILED", "DEAD_LETTERED").inc();
  }

  /** Claims the chunk's requests in Redis before PostgreSQL decides them; returns the withdrawn. */
  async function claim(decoded: Decoded[]): Promise<Set<string>> {
    const byCoupon = new Map<string, string[]>();
    for (const { event } of decoded)
      byCoupon.set(event.couponId, [...(byCoupon.get(event.couponId) ?? []), event.requestId]);
    const withdrawn = new Set<string>();
    for (const [couponId, requestIds] of byCoupon)
      for (const id of await store.claim(couponId, requestIds)) withdrawn.add(id);
    return withdrawn;
  }

  async function processChunk(records: ConsumedRecord[]): Promise<void> {
    const decoded: Decoded[] = [];
    for (const record of records) {
      // Before anything else: a forged event is not decoded, persisted, claimed or settled (it may
      // name another user's real request), and never retried, as the same bytes never verify.
      const forged = forgery(record);
      if (forged) {
        await sendToDlt(record, forged.name, forged.message, 1, new Date());
        continue;
      }
      const result = decodeIssueEvent(record.value);
      if (result.ok) {
        decoded.push({ record, event: result.event });
      } else {
        // Decoding is deterministic: another attempt would fail the same way.
        await sendToDlt(
          record,
          result.error === "invalid-json" ? "InvalidJson" : "SchemaMismatch",
          result.message,
          1,
          new Date(),
        );
      }
    }
    metrics.recordsProcessed.inc(records.length);
    if (decoded.length === 0) return;

    const withdrawn = await claim(decoded);
    const result = await persistTimed(
      decoded.map((d) => d.event),
      withdrawn,
    );
    await settle(decoded, result);

    // A coupon PostgreSQL does not know may be one being created right now: a few more attempts.
    let missing = decoded.filter(
      (d) => result.outcomes.get(d.event.requestId)?.kind === "coupon-not-found",
    );
    const firstFailureAt = new Date();
    for (let attempt = 2; missing.length > 0 && attempt <= permanentAttempts; attempt++) {
      await wait(permanentBaseMs * 2 ** (attempt - 2));
      const retry = await persistTimed(
        missing.map((d) => d.event),
        withdrawn,
      );
      await settle(missing, retry);
      missing = missing.filter(
        (d) => retry.outcomes.get(d.event.requestId)?.kind === "coupon-not-found",
      );
    }
    for (const { record, event } of missing) {
      await sendToDlt(
        record,
        "CouponNotFound",
        `coupon ${event.couponId} does not exist in PostgreSQL`,
        permanentAttempts,
        firstFailureAt,
      );
    }
  }

  return { processChunk, deadLetterRecord };
}

export type IssueBatchProcessor = ReturnType<typeof createIssueBatchProcessor>;
