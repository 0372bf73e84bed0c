import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import type { InternalApiClient } from "#shared/internal-api/internal-api-client.ts";
import type { IssueStatus } from "#shared/lifecycle/issue-status.ts";
import type { AdmitResult } from "#shared/lifecycle/lua-replies.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import type { IssueEventProducer } from "../events/issue-event-producer.ts";
import type { RequestIndex } from "../status/request-index.ts";

export type IssueCouponResult =
  | { kind: "IssueAccepted"; requestId: string; status: "PENDING" }
  | { kind: "AlreadyRequested"; requestId: string; status: IssueStatus }
  | { kind: "SoldOut"; couponId: string }
  | { kind: "CouponNotAvailable"; couponId: string; reason: "NOT_FOUND" | "NOT_STARTED" | "ENDED" };

/**
 * Redis lost the coupon again between loading and admission (it is being wiped): retry. The
 * message is written for the caller.
 */
export class CouponStateLostError extends CouponDropError {
  constructor(couponId: string) {
    super(`Coupon ${couponId} is being reloaded; please try again.`, { retriable: true });
  }
}

/**
 * The request was admitted but could not be made durable; it was undone and may be retried. The
 * message is written for the caller; the produce failure is the cause.
 */
export class IssueNotRecordedError extends CouponDropError {
  constructor(cause: unknown) {
    super("Your request could not be recorded right now and was not counted; please try again.", {
      retriable: true,
      cause,
    });
  }
}

export interface IssueCouponDeps {
  store: AdmissionStore;
  producer: IssueEventProducer;
  internalApi: InternalApiClient;
  requestIndex: RequestIndex;
  /** Test seam for the crash between admission and produce (fault-injection suite). */
  afterAdmission?: (requestId: string) => Promise<void>;
}

/**
 * issueCoupon: one atomic admission in Redis, then the event to Kafka. A produce that fails undoes
 * the admission (FAILED, stock and slot given back) before the caller hears about it, so no request
 * stays PENDING that no consumer will ever see.
 */
export function createIssueCoupon({
  store,
  producer,
  internalApi,
  requestIndex,
  afterAdmission,
}: IssueCouponDeps) {
  async function admitLoading(
    couponId: string,
    userId: string,
    requestId: string,
    requestedAt: string,
  ): Promise<AdmitResult | null> {
    const input = { couponId, userId, requestId, requestedAt };
    const first = await store.admit(input);
    if (first.kind !== "not-loaded") return first;
    // Redis does not know the coupon: new to it, or Redis lost its data. PostgreSQL decides.
    const loaded = await internalApi.loadCoupon(couponId);
    if (loaded === null) return null;
    return store.admit(input);
  }

  return async function issueCoupon(couponId: string, userId: string): Promise<IssueCouponResult> {
    const requestId = uuidV7();
    const requestedAt = new Date().toISOString();
    const admitted = await admitLoading(couponId, userId, requestId, requestedAt);
    if (admitted === null) return { kind: "CouponNotAvailable", couponId, reason: "NOT_FOUND" };
    switch (admitted.kind) {
      case "already-requested": {
        const status =
          admitted.status ??
          (await internalApi.getRequest(admitted.requestId))?.status ??
          "PENDING";
        return { kind: "AlreadyRequested", requestId: admitted.requestId, status };
      }
      case "sold-out":
        return { kind: "SoldOut", couponId };
      case "not-started":
        return { kind: "CouponNotAvailable", couponId, reason: "NOT_STARTED" };
      case "ended":
        return { kind: "CouponNotAvailable", couponId, reason: "ENDED" };
      case "not-loaded":
        throw new CouponStateLostError(couponId);
      case "accepted":
        break;
    }
    try {
      await afterAdmission?.(requestId);
      // The index only speeds up lookups by id (PostgreSQL answers without it): its failure is
      // not the request's.
      const [produced] = await Promise.allSettled([
        producer.produce({ requestId, userId, couponId, requestedAt, source: "API" }),
        requestIndex.remember(requestId, couponId),
      ]);
      if (produced.status === "rejected") throw produced.reason;
    } catch (error) {
      // The produce failed or its outcome is unknown. Withdraw the admission, unless a consumer
      // already holds the event: then it was recorded after all, and the caller was admitted.
      const withdrawn = await store.withdraw({ requestId, userId, couponId, requestedAt });
      if (withdrawn) throw new IssueNotRecordedError(error);
    }
    return { kind: "IssueAccepted", requestId, status: "PENDING" };
  };
}

export type IssueCoupon = ReturnType<typeof createIssueCoupon>;
