import type { FailureReason } from "./failure-reason.ts";
import type { IssueStatus } from "./issue-status.ts";

/**
 * What became of a request: the one answer PostgreSQL's decision, the consumer, the reconciler and
 * Redis's settle speak. An issued request has its `user_coupon` row (`issuedAt` is the row's);
 * a failed one says why, and for ALREADY_ISSUED_TO_USER which request holds the user's coupon.
 */
export type Outcome =
  | { kind: "issued"; issuedAt: Date }
  | { kind: "failed"; reason: FailureReason; existingRequestId?: string };

/**
 * PostgreSQL's answer to one event: an outcome, or none because it does not know the coupon (a
 * coupon being created right now, or a bad event: the consumer tries again, then dead-letters it).
 */
export type Decision = Outcome | { kind: "coupon-not-found" };

/** Who asked for which coupon, and when: what every step of the lifecycle carries. */
export interface RequestRef {
  requestId: string;
  userId: string;
  couponId: string;
  /** ISO-8601, as admitted. */
  requestedAt: string;
}

/** A request with its outcome: what the consumer and the reconciler record in Redis. */
export interface Settlement {
  request: RequestRef;
  outcome: Outcome;
}

export function issued(issuedAt: Date): Outcome {
  return { kind: "issued", issuedAt };
}

/** A failure; `existingRequestId` only when there is one, so equal outcomes compare equal. */
export function failed(reason: FailureReason, existingRequestId?: string | null): Outcome {
  return existingRequestId === undefined || existingRequestId === null
    ? { kind: "failed", reason }
    : { kind: "failed", reason, existingRequestId };
}

export function statusOf(outcome: Outcome): Exclude<IssueStatus, "PENDING"> {
  return outcome.kind === "issued" ? "ISSUED" : "FAILED";
}

export function reasonOf(outcome: Outcome): FailureReason | null {
  return outcome.kind === "failed" ? outcome.reason : null;
}
