import type { EntityManager } from "@mikro-orm/postgresql";
import { parseId } from "#shared/ids.ts";
import { classifyingDbErrors } from "./db-errors.ts";
import { Coupon } from "./entities/coupon.ts";
import { dateFromSql } from "./sql-values.ts";

export interface IssuedSlot {
  userId: string;
  requestId: string;
  issuedAt: Date;
}

export interface CouponIssuance {
  coupon: Coupon;
  /** Every issued coupon, oldest first; `coupon.totalQuantity - issued.length` is the stock left. */
  issued: IssuedSlot[];
}

/**
 * A coupon and everything issued from it, read in one snapshot so that the count and the list agree:
 * what Redis's admission state is rebuilt from (stock = total − issued, plus the users who hold one).
 * Null for a coupon PostgreSQL does not have.
 */
export async function loadCouponIssuance(
  em: EntityManager,
  couponId: string,
): Promise<CouponIssuance | null> {
  const parsed = parseId(couponId);
  if (!parsed.ok) return null;
  return classifyingDbErrors(() =>
    em.transactional(
      async (tx) => {
        const coupon = await tx.findOne(Coupon, { id: parsed.id }, { refresh: true });
        if (!coupon) return null;
        const rows = await tx.execute<
          Array<{ user_id: string; request_id: string; issued_at: unknown }>
        >(
          `SELECT user_id::text, request_id::text, issued_at FROM user_coupon WHERE coupon_id = ? ORDER BY id`,
          [parsed.id],
        );
        const issued = rows.map((row) => ({
          userId: row.user_id,
          requestId: row.request_id,
          issuedAt: dateFromSql(row.issued_at),
        }));
        return { coupon, issued };
      },
      { isolationLevel: "repeatable read", readOnly: true },
    ),
  );
}
