import type { Producer } from "kafkajs";
import { RECONCILER_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { encodeIssueEvent, issueEventKey } from "#shared/issue-event.ts";
import { EVENT_SIGNATURE_HEADER, type EventSigner } from "#shared/issue-event-signature.ts";
import { WITHDRAWAL_REASON } from "#shared/lifecycle/failure-reason.ts";
import { outcomeOfPersisted, type PersistedRequest } from "#shared/lifecycle/postgres-rows.ts";
import { type Logger, silentLogger } from "#shared/logging/logger.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import type { IoredisClient } from "#shared/redis/ioredis-client.ts";
import type { ControlMetrics } from "../monitoring/metrics.ts";

export interface ReconcilerOptions {
  redis: IoredisClient;
  store: AdmissionStore;
  /**
   * Null where the KAFKA pipeline does not run: a KAFKA coupon's pending request (one created before
   * the switch) cannot be produced again, and ends FAILED with compensation once given up.
   */
  producer: Producer | null;
  /**
   * Signs what it produces again: it re-produces only requests Redis holds as admitted, which is
   * what the gateway's signature vouches for.
   */
  signer: EventSigner;
  /** Where re-produced events go. Default `coupon-issue-requests`. */
  topic?: string;
  /** What PostgreSQL says became of a request, or null while it has no outcome. */
  findOutcome: (requestId: string, couponId: string) => Promise<PersistedRequest | null>;
  metrics: ControlMetrics;
  /** A pending request this old with no outcome is re-produced. Default `RECONCILER_DEFAULTS`. */
  afterMs?: number;
  /** A pending request still without outcome this long after admission ends FAILED. */
  giveUpAfterMs?: number;
  /** Requests looked at per coupon per pass. */
  batchSize?: number;
  /** Each action is logged with its request and coupon ids. */
  logger?: Logger;
}

/**
 * Closes the gap between admission and Kafka: a request admitted in Redis whose event never reached
 * a consumer (the gateway died, or the produce's outcome was unknown) is produced again — the
 * consumer is idempotent by request id. A REDIS_STREAM coupon's request (its record names its stream
 * entry) is appended to its stream again instead, and only when that entry is gone. One whose outcome PostgreSQL already has is settled from it.
 * Safe in several processes at once: a claim per request keeps passes from re-producing it twice.
 */
export function createReconciler({
  redis,
  store,
  producer,
  signer,
  topic = TOPICS.issueRequests,
  findOutcome,
  metrics,
  afterMs = RECONCILER_DEFAULTS.afterMs,
  giveUpAfterMs = RECONCILER_DEFAULTS.giveUpAfterMs,
  batchSize = RECONCILER_DEFAULTS.batchSize,
  logger = silentLogger(),
}: ReconcilerOptions) {
  const reproduced = metrics.reconcilerActions.labels("reproduced");
  const settledFromDb = metrics.reconcilerActions.labels("settled");
  const gaveUp = metrics.reconcilerActions.labels("failed");
  const compensated = metrics.compensations.labels(WITHDRAWAL_REASON);

  async function claim(requestId: string): Promise<boolean> {
    return (
      (await redis.set(store.keys.reconcileClaim(requestId), "1", "PX", afterMs, "NX")) === "OK"
    );
  }

  async function reconcileCoupon(couponId: string, now: number): Promise<number> {
    const stale = await store.pendingBefore(couponId, now - afterMs, batchSize);
    let handled = 0;
    for (const { record, admittedAtMs } of stale) {
      if (!record.userId || !record.requestedAt) continue;
      if (!(await claim(record.requestId))) continue;
      const base = {
        requestId: record.requestId,
        userId: record.userId,
        couponId,
        requestedAt: record.requestedAt,
      };
      const persisted = await findOutcome(record.requestId, couponId);
      if (persisted) {
        await store.settle(
          couponId,
          [{ request: base, outcome: outcomeOfPersisted(persisted) }],
          persisted.couponIssuedCount,
        );
        settledFromDb.inc();
      } else if (now - admittedAtMs > giveUpAfterMs) {
        // Refused when a consumer holds the event: it is being decided, so it is not given up.
        if (await store.withdraw(base)) {
          gaveUp.inc();
          compensated.inc();
          logger.warn(
            { requestId: record.requestId, couponId },
            `no outcome after ${giveUpAfterMs} ms: FAILED NOT_RECORDED, stock given back`,
          );
        }
      } else if (record.entryId !== undefined) {
        // A REDIS_STREAM coupon's request: appended again only when its entry is gone from the
        // stream (a request still waiting its turn there is left alone).
        const value = encodeIssueEvent({ ...base, source: "API" });
        if (await store.enqueue(couponId, record.requestId, value, "pending")) {
          reproduced.inc();
          logger.info({ requestId: record.requestId, couponId }, "re-enqueued a pending request");
        }
      } else if (producer) {
        const key = issueEventKey(couponId);
        const value = encodeIssueEvent({ ...base, source: "API" });
        const signature = signer.sign({ topic, key, value });
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key, value, headers: { [EVENT_SIGNATURE_HEADER]: signature } }],
        });
        reproduced.inc();
        logger.info({ requestId: record.requestId, couponId }, "re-produced a pending request");
      }
      handled++;
    }
    return handled;
  }

  async function runOnce(now = Date.now()): Promise<number> {
    let handled = 0;
    for (const couponId of await redis.smembers(store.keys.loadedCoupons)) {
      handled += await reconcileCoupon(couponId, now);
    }
    return handled;
  }

  return {
    runOnce,
    reconcileCoupon,
    /** Runs a pass every `intervalMs` until stopped; a failed pass is logged and tried again. */
    start(intervalMs: number): { stop(): Promise<void> } {
      let running: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        running = running.then(() =>
          runOnce().catch((error) =>
            logger.warn({ err: error }, `reconciler pass failed: ${messageOf(error)}`),
          ),
        );
      }, intervalMs);
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}
