import { defineEntity, p } from "@mikro-orm/postgresql";

/**
 * A request that ended FAILED, kept so its final status can be answered from PostgreSQL even when
 * Redis has lost it. `existingRequestId` names the request that holds the user's coupon.
 */
export const IssueFailureSchema = defineEntity({
  name: "IssueFailure",
  tableName: "issue_failure",
  properties: {
    requestId: p.uuid().primary(),
    userId: p.bigint("string"),
    couponId: p.bigint("string"),
    reason: p.text(),
    existingRequestId: p.uuid().nullable(),
    requestedAt: p.datetime(),
    failedAt: p.datetime().defaultRaw("now()"),
  },
});

export class IssueFailure extends IssueFailureSchema.class {}
IssueFailureSchema.setClass(IssueFailure);
