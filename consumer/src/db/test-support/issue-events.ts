import type { EntityManager } from "@mikro-orm/postgresql";
import type { IssueEvent } from "#shared/issue-event.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";

/** An issue event as the gateway would produce it, with a fresh request id unless given one. */
export function issueEvent(
  couponId: string,
  userId: string,
  requestId: string = uuidV7(),
): IssueEvent {
  return { requestId, userId, couponId, requestedAt: new Date().toISOString(), source: "API" };
}

/** A coupon inserted with plain SQL, so tests of the other modules do not lean on createCoupon. */
export async function insertCoupon(em: EntityManager, totalQuantity: number): Promise<string> {
  const [row] = await em
    .fork()
    .execute<Array<{ id: string }>>(
      "INSERT INTO coupon (name, total_quantity) VALUES ('test coupon', ?) RETURNING id::text",
      [totalQuantity],
    );
  if (!row) throw new Error("no coupon row returned");
  return row.id;
}

/** Rows, issued_count and recorded failures of one coupon, read straight from the tables. */
export async function couponState(em: EntityManager, couponId: string) {
  const [row] = await em
    .fork()
    .execute<Array<{ rows: number; issued_count: number; failures: number }>>(
      `SELECT (SELECT count(*)::int FROM user_coupon WHERE coupon_id = c.id) AS rows, c.issued_count,
            (SELECT count(*)::int FROM issue_failure WHERE coupon_id = c.id) AS failures
       FROM coupon c WHERE c.id = ?`,
      [couponId],
    );
  if (!row) throw new Error(`coupon ${couponId} not found`);
  return { rows: row.rows, issuedCount: row.issued_count, failures: row.failures };
}
