import type { EntityManager } from "@mikro-orm/postgresql";
import { parseId } from "#shared/ids.ts";
import { classifyingDbErrors } from "./db-errors.ts";
import { Coupon } from "./entities/coupon.ts";
import { UserCoupon } from "./entities/user-coupon.ts";

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
        // Up to a coupon's whole stock: read-only, so kept out of the identity map.
        const rows = await tx.find(
          UserCoupon,
          { couponId: parsed.id },
          {
            fields: ["userId", "requestId", "issuedAt"],
            orderBy: { id: "asc" },
            disableIdentityMap: true,
          },
        );
        const issued = rows.map(({ userId, requestId, issuedAt }) => ({
          userId,
          requestId,
          issuedAt,
        }));
        return { coupon, issued };
      },
      { isolationLevel: "repeatable read", readOnly: true },
    ),
  );
}
