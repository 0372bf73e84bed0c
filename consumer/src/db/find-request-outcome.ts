import type { EntityManager } from "@mikro-orm/postgresql";
import { z } from "zod";
import { isPersistedFailureReason } from "#shared/lifecycle/failure-reason.ts";
import type { PersistedRequest } from "#shared/lifecycle/postgres-rows.ts";
import { classifyingDbErrors } from "./db-errors.ts";
import { dateFromSql } from "./sql-values.ts";

interface OutcomeRow {
  status: "ISSUED" | "FAILED";
  request_id: string;
  user_id: string;
  coupon_id: string;
  requested_at: unknown;
  settled_at: unknown;
  reason: string | null;
  existing_request_id: string | null;
  issued_count: number;
}

/**
 * The final outcome of a request from `user_coupon` (ISSUED) or `issue_failure` (FAILED), or null
 * while PostgreSQL has neither (still PENDING, or never admitted). Not a request id → null.
 */
export async function findRequestOutcome(
  em: EntityManager,
  requestId: string,
): Promise<PersistedRequest | null> {
  if (!z.uuid().safeParse(requestId).success) return null;
  // One statement: a request is issued or failed, never both (a failure is recorded only for a
  // request with no row, under the coupon's lock), so at most one branch answers.
  const rows = await classifyingDbErrors(() =>
    em.execute<OutcomeRow[]>(
      `SELECT 'ISSUED' AS status, u.request_id::text, u.user_id::text, u.coupon_id::text, u.requested_at,
              u.issued_at AS settled_at, NULL AS reason, NULL AS existing_request_id, c.issued_count
         FROM user_coupon u JOIN coupon c ON c.id = u.coupon_id
        WHERE u.request_id = ?::uuid
       UNION ALL
       SELECT 'FAILED', f.request_id::text, f.user_id::text, f.coupon_id::text, f.requested_at,
              f.failed_at, f.reason, f.existing_request_id::text, coalesce(c.issued_count, 0)
         FROM issue_failure f LEFT JOIN coupon c ON c.id = f.coupon_id
        WHERE f.request_id = ?::uuid`,
      [requestId, requestId],
    ),
  );
  const row = rows[0];
  if (!row) return null;
  const base = {
    requestId: row.request_id,
    userId: row.user_id,
    couponId: row.coupon_id,
    requestedAt: dateFromSql(row.requested_at),
    couponIssuedCount: Number(row.issued_count),
  };
  if (row.status === "ISSUED")
    return { ...base, status: "ISSUED", issuedAt: dateFromSql(row.settled_at) };
  if (!isPersistedFailureReason(row.reason)) {
    throw new TypeError(`issue_failure ${row.request_id} has an unknown reason: ${row.reason}`);
  }
  return {
    ...base,
    status: "FAILED",
    reason: row.reason,
    existingRequestId: row.existing_request_id,
    failedAt: dateFromSql(row.settled_at),
  };
}
