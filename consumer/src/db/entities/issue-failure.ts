import { defineEntity, p } from "@mikro-orm/postgresql";

/** Why PostgreSQL refused a request; the outcome a redelivery of that request gets again. */
// NOT_RECORDED: the gateway withdrew the admission (its caller was told it was not counted) before
// any consumer claimed the event that arrived after all.
export const ISSUE_FAILURE_REASONS = [
  "SOLD_OUT",
  "ALREADY_ISSUED_TO_USER",
  "NOT_RECORDED",
] as const;
export type IssueFailureReason = (typeof ISSUE_FAILURE_REASONS)[number];

export function isIssueFailureReason(value: unknown): value is IssueFailureReason {
  return (ISSUE_FAILURE_REASONS as readonly unknown[]).includes(value);
}

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
