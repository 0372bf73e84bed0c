/**
 * Why a request ended FAILED: every reason any component records, in one list. The API shows it as
 * `IssueRequest.reason`; `issue_failure.reason` holds the ones PostgreSQL decides.
 */
export const FAILURE_REASONS = [
  /** PostgreSQL: no stock left when the event was decided (the Redis gate let it through). */
  "SOLD_OUT",
  /** PostgreSQL: the user already holds this coupon through another request. */
  "ALREADY_ISSUED_TO_USER",
  /**
   * PostgreSQL: the event says the request was made outside the coupon's window (before startsAt or
   * from endsAt on), which the gateway never admits: a signer's bug or a leaked key, refused for good.
   */
  "OUTSIDE_WINDOW",
  /**
   * Withdrawn before any consumer claimed it: the gateway's produce failed or its outcome was
   * unknown (its caller was told it was not counted), or the reconciler gave up on it. Recorded in
   * PostgreSQL too when the event arrives after all, so it is never issued.
   */
  "NOT_RECORDED",
  /** Redis only: the event failed every attempt and went to the dead-letter topic. */
  "DEAD_LETTERED",
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** The reasons PostgreSQL decides and keeps in `issue_failure` (a dead letter never reaches it). */
export const PERSISTED_FAILURE_REASONS = [
  "SOLD_OUT",
  "ALREADY_ISSUED_TO_USER",
  "OUTSIDE_WINDOW",
  "NOT_RECORDED",
] as const satisfies readonly FailureReason[];
export type PersistedFailureReason = (typeof PERSISTED_FAILURE_REASONS)[number];

/** The reason of a withdrawal (the gateway's undo, the reconciler's give-up). */
export const WITHDRAWAL_REASON = "NOT_RECORDED" satisfies FailureReason;

export function isFailureReason(value: unknown): value is FailureReason {
  return (FAILURE_REASONS as readonly unknown[]).includes(value);
}

export function isPersistedFailureReason(value: unknown): value is PersistedFailureReason {
  return (PERSISTED_FAILURE_REASONS as readonly unknown[]).includes(value);
}
