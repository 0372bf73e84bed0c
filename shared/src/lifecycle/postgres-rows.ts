import type { PersistedFailureReason } from "./failure-reason.ts";
import { failed, issued, type Outcome } from "./outcome.ts";

/**
 * The lifecycle as PostgreSQL holds it. A decided request is one `user_coupon` row (ISSUED) or one
 * `issue_failure` row (FAILED), never both: a failure is recorded only for a request without a row,
 * under its coupon's lock. A PENDING request has neither.
 */

/** The decision columns of an `issue_failure` row. */
export interface FailureColumns {
  reason: PersistedFailureReason;
  /** For ALREADY_ISSUED_TO_USER: the request that holds the user's coupon. */
  existingRequestId: string | null;
}

/** What a redelivery of a failed request gets again. */
export function outcomeOfFailure({ reason, existingRequestId }: FailureColumns): Outcome {
  return failed(reason, existingRequestId);
}

interface PersistedRequestBase {
  requestId: string;
  userId: string;
  couponId: string;
  requestedAt: Date;
  /** The coupon's `issued_count` as of this read, for settling Redis stock from PostgreSQL. */
  couponIssuedCount: number;
}

/** A decided request as read from its row: the final word, whatever Redis says or has lost. */
export type PersistedRequest =
  | (PersistedRequestBase & { status: "ISSUED"; issuedAt: Date })
  | (PersistedRequestBase & FailureColumns & { status: "FAILED"; failedAt: Date });

export function outcomeOfPersisted(request: PersistedRequest): Outcome {
  return request.status === "ISSUED" ? issued(request.issuedAt) : outcomeOfFailure(request);
}
