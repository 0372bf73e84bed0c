import { defineEntity, p } from "@mikro-orm/postgresql";

/** One issued coupon: at most one per (user, coupon) and one per request id (unique constraints). */
export const UserCouponSchema = defineEntity({
  name: "UserCoupon",
  tableName: "user_coupon",
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    userId: p.bigint("string"),
    couponId: p.bigint("string"),
    requestId: p.uuid(),
    requestedAt: p.datetime(),
    issuedAt: p.datetime().defaultRaw("now()"),
    source: p.text(),
  },
});

export class UserCoupon extends UserCouponSchema.class {}
UserCouponSchema.setClass(UserCoupon);
