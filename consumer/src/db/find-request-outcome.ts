import type { EntityManager } from "@mikro-orm/postgresql";
import { z } from "zod";
import { isPersistedFailureReason } from "#shared/lifecycle/failure-reason.ts";
import type { PersistedRequest } from "#shared/lifecycle/postgres-rows.ts";
import { classifyingDbErrors } from "./db-errors.ts";
import { Coupon } from "./entities/coupon.ts";
import { IssueFailure } from "./entities/issue-failure.ts";
import { UserCoupon } from "./entities/user-coupon.ts";

/**
 * The final outcome of a request from `user_coupon` (ISSUED) or `issue_failure` (FAILED), or null
 * while PostgreSQL has neither (still PENDING, or never admitted). Not a request id → null.
 */
export async function findRequestOutcome(
  em: EntityManager,
  requestId: string,
): Promise<PersistedRequest | null> {
  if (!z.uuid().safeParse(requestId).success) return null;
  // One snapshot for the row and its coupon's count, so that the count includes the row. A request
  // is issued or failed, never both (a failure is recorded only for a request with no row, under
  // the coupon's lock), so at most one of the two tables answers.
  const found = await classifyingDbErrors(() =>
    em.transactional(
      async (tx) => {
        const row =
          (await tx.findOne(UserCoupon, { requestId })) ??
          (await tx.findOne(IssueFailure, { requestId }));
        if (!row) return null;
        const coupon = await tx.findOne(Coupon, { id: row.couponId }, { refresh: true });
        return { row, couponIssuedCount: coupon?.issuedCount ?? 0 };
      },
      { isolationLevel: "repeatable read", readOnly: true },
    ),
  );
  if (!found) return null;
  const { row, couponIssuedCount } = found;
  const base = {
    requestId: row.requestId,
    userId: row.userId,
    couponId: row.couponId,
    requestedAt: row.requestedAt,
    couponIssuedCount,
  };
  if (row instanceof UserCoupon) return { ...base, status: "ISSUED", issuedAt: row.issuedAt };
  if (!isPersistedFailureReason(row.reason)) {
    throw new TypeError(`issue_failure ${row.requestId} has an unknown reason: ${row.reason}`);
  }
  return {
    ...base,
    status: "FAILED",
    reason: row.reason,
    existingRequestId: row.existingRequestId ?? null,
    failedAt: row.failedAt,
  };
}
