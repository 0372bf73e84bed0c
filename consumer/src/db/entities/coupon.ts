import { defineEntity, p } from "@mikro-orm/postgresql";
import type { IssuePipeline } from "#shared/issue-pipeline.ts";

/** A coupon drop. `issuedCount` is kept by a trigger on `user_coupon`: read it, never write it. */
export const CouponSchema = defineEntity({
  name: "Coupon",
  tableName: "coupon",
  properties: {
    id: p.bigint("string").primary().autoincrement(),
    name: p.text(),
    totalQuantity: p.integer(),
    issuedCount: p.integer().default(0),
    startsAt: p.datetime().nullable(),
    endsAt: p.datetime().nullable(),
    /** Fixed at creation (migration 0005's trigger refuses a change). */
    pipeline: p.string().$type<IssuePipeline>().default("KAFKA"),
    // The database clock, like issued_at: one clock for every timestamp PostgreSQL records.
    createdAt: p.datetime().defaultRaw("now()"),
  },
});

export class Coupon extends CouponSchema.class {}
CouponSchema.setClass(Coupon);
