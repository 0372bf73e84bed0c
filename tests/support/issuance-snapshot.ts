import type pg from "pg";

/** Everything issuance has decided, across all coupons: what a replay must leave as it is. */
export async function issuanceSnapshot(db: pg.Pool) {
  const { rows } = await db.query(`SELECT
      (SELECT count(*)::int FROM user_coupon) AS rows,
      (SELECT md5(coalesce(string_agg(request_id::text || user_id || coupon_id, ',' ORDER BY request_id), '')) FROM user_coupon) AS rows_digest,
      (SELECT coalesce(sum(issued_count), 0)::int FROM coupon) AS issued_count,
      (SELECT count(*)::int FROM issue_failure) AS failures,
      (SELECT md5(coalesce(string_agg(request_id::text || reason, ',' ORDER BY request_id), '')) FROM issue_failure) AS failures_digest`);
  return rows[0] as Record<string, unknown>;
}
