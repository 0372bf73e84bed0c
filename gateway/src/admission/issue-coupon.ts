import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import type { InternalApiClient } from "#shared/internal-api/internal-api-client.ts";
import type { IssueStatus } from "#shared/lifecycle/issue-status.ts";
import type { AdmitResult } from "#shared/lifecycle/lua-replies.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import { REQUEST_INDEX_TTL_SECONDS } from "#shared/redis/keys.ts";
import type { SubjectLimit, TokenBucketLimit } from "#shared/redis/token-buckets.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import type { IssueEventProducer } from "../events/issue-event-producer.ts";
import { isCrossSlotError, type RequestIndex } from "../status/request-index.ts";
import type { CouponLookups } from "./coupon-lookups.ts";

export type IssueCouponResult =
  | { kind: "IssueAccepted"; requestId: string; status: "PENDING" }
  | { kind: "AlreadyRequested"; requestId: string; status: IssueStatus }
  | { kind: "SoldOut"; couponId: string }
  | { kind: "CouponNotAvailable"; couponId: string; reason: "NOT_FOUND" | "NOT_STARTED" | "ENDED" }
  | { kind: "RateLimited"; retryAfterMs: number };

/** Who presses: the user, and the client address the per-address limit counts (null: none). */
export interface Presser {
  userId: string;
  /** As `rateLimitAddress` (identity/client-address.ts) gives it; null for an exempt client. */
  address: string | null;
}

/** The token buckets a press takes from (`RATE_LIMIT_*`). */
export interface RateLimits {
  user: TokenBucketLimit;
  address: TokenBucketLimit;
}

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
  /** For the status of an earlier request Redis has no record of. */
  internalApi: Pick<InternalApiClient, "getRequest">;
  requestIndex: RequestIndex;
  /** PostgreSQL's coupons, unknown ids remembered (coupon-lookups.ts). */
  lookups: CouponLookups;
  rateLimits: RateLimits;
  /** Test seam for the crash between admission and produce (fault-injection suite). */
  afterAdmission?: (requestId: string) => Promise<void>;
}

/**
 * issueCoupon: one atomic admission in Redis, then the event to Kafka. A produce that fails undoes
 * the admission (FAILED, stock and slot given back) before the caller hears about it, so no request
 * stays PENDING that no consumer will ever see.
 *
 * Rate limits, token buckets in Redis: the presser's buckets for this coupon (the user's, and the
 * client address's unless it is exempt) are taken by the admission script itself, in the coupon's
 * cluster slot, so they cost no round trip and a limited press is never admitted. A press of a
 * coupon Redis does not know costs a lookup in PostgreSQL: that path takes from the presser's
 * lookup buckets (across coupons, each in its own slot: one more call, on that path only), after
 * the ids remembered unknown.
 *
 * The request index (requestId → couponId) is written by the admission script itself, so an
 * accepted press waits for one Redis call, not two. Its key lives in the request's slot: on a Redis
 * Cluster the script is refused with CROSSSLOT before anything of it runs, and from then on this
 * gateway admits without it and writes the index apart, beside the produce, as before.
 */
export function createIssueCoupon({
  store,
  producer,
  internalApi,
  requestIndex,
  lookups,
  rateLimits,
  afterAdmission,
}: IssueCouponDeps) {
  // Until Redis says the index's slot is not the coupon's (a cluster): then, for good, apart.
  let indexInAdmission = true;

  /** The admission, and whether it wrote the request index too. */
  async function admitIndexed(
    input: Parameters<AdmissionStore["admit"]>[0],
  ): Promise<{ result: AdmitResult; indexed: boolean }> {
    if (indexInAdmission) {
      try {
        const result = await store.admit({ ...input, indexTtlSeconds: REQUEST_INDEX_TTL_SECONDS });
        return { result, indexed: true };
      } catch (error) {
        if (!isCrossSlotError(error)) throw error;
        indexInAdmission = false;
      }
    }
    return { result: await store.admit(input), indexed: false };
  }

  function limitsOf({ userId, address }: Presser): SubjectLimit[] {
    const limits: SubjectLimit[] = [{ subject: { kind: "user", id: userId }, ...rateLimits.user }];
    if (address !== null)
      limits.push({ subject: { kind: "address", id: address }, ...rateLimits.address });
    return limits;
  }

  async function admitLoading(
    couponId: string,
    presser: Presser,
    requestId: string,
    requestedAt: string,
  ): Promise<{ result: AdmitResult; indexed: boolean } | null> {
    const limits = limitsOf(presser);
    const input = { couponId, userId: presser.userId, requestId, requestedAt, limits };
    const first = await admitIndexed(input);
    if (first.result.kind !== "not-loaded") return first;
    // Redis does not know the coupon: new to it, or Redis lost its data. PostgreSQL decides.
    const loaded = await lookups.load(couponId, () => store.takeLookupTokens(limits));
    if (loaded.kind === "unknown") return null;
    if (loaded.kind === "rate-limited") return { result: loaded, indexed: false };
    return admitIndexed(input);
  }

  return async function issueCoupon(
    couponId: string,
    presser: Presser,
  ): Promise<IssueCouponResult> {
    const { userId } = presser;
    const requestId = uuidV7();
    const requestedAt = new Date().toISOString();
    const admission = await admitLoading(couponId, presser, requestId, requestedAt);
    if (admission === null) return { kind: "CouponNotAvailable", couponId, reason: "NOT_FOUND" };
    const { result: admitted, indexed } = admission;
    // The index only speeds up lookups by id (PostgreSQL answers without it): its failure is not
    // the request's.
    const remember = () =>
      indexed ? Promise.resolve() : requestIndex.remember(requestId, couponId);
    switch (admitted.kind) {
      case "rate-limited":
        return { kind: "RateLimited", retryAfterMs: admitted.retryAfterMs };
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
    // admit.lua appended it to the coupon's stream in the same step: nothing to produce or undo.
    if (admitted.pipeline === "REDIS_STREAM") {
      await afterAdmission?.(requestId);
      await remember().catch(() => undefined);
      return { kind: "IssueAccepted", requestId, status: "PENDING" };
    }
    try {
      await afterAdmission?.(requestId);
      const [produced] = await Promise.allSettled([
        producer.produce({ requestId, userId, couponId, requestedAt, source: "API" }),
        remember(),
      ]);
      if (produced.status === "rejected") throw produced.reason;
    } catch (error) {
      // The produce failed or its outcome is unknown. Withdraw the admission, unless a consumer
      // already holds the event: then it was recorded after all, and the caller was admitted.
      const withdrawn = await store.withdraw({ requestId, userId, couponId, requestedAt });
      // A coupon whose pipeline does not run here is refused as such: trying again cannot help.
      if (withdrawn)
        throw error instanceof PipelineDisabledError ? error : new IssueNotRecordedError(error);
    }
    return { kind: "IssueAccepted", requestId, status: "PENDING" };
  };
}

export type IssueCoupon = ReturnType<typeof createIssueCoupon>;
