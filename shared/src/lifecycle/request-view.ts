import { z } from "zod";
import { idString } from "../ids.ts";
import { FAILURE_REASONS } from "./failure-reason.ts";
import { ISSUE_STATUSES } from "./issue-status.ts";
import type { RequestRecord } from "./lua-replies.ts";
import type { PersistedRequest } from "./postgres-rows.ts";

/**
 * A request as the API shows it: GraphQL's `IssueRequest` (status an `IssueStatus` value, reason a
 * `FailureReason` or null) and the internal API's request JSON, from Redis's record or, when Redis
 * no longer has it, from PostgreSQL's row.
 */
export const requestViewSchema = z.object({
  requestId: z.string(),
  couponId: idString,
  userId: idString,
  status: z.enum(ISSUE_STATUSES),
  reason: z.enum(FAILURE_REASONS).nullable(),
  requestedAt: z.string(),
  updatedAt: z.string(),
});
export type RequestView = z.infer<typeof requestViewSchema>;

export function viewOfRecord(record: RequestRecord): RequestView {
  const { requestId, couponId, userId, status, reason, requestedAt, updatedAt } = record;
  return { requestId, couponId, userId, status, reason: reason ?? null, requestedAt, updatedAt };
}

/** PostgreSQL's row as a view: `updatedAt` is when the row was written. */
export function viewOfPersisted(request: PersistedRequest): RequestView {
  const base = {
    requestId: request.requestId,
    couponId: request.couponId,
    userId: request.userId,
    requestedAt: request.requestedAt.toISOString(),
  };
  return request.status === "ISSUED"
    ? { ...base, status: "ISSUED", reason: null, updatedAt: request.issuedAt.toISOString() }
    : {
        ...base,
        status: "FAILED",
        reason: request.reason,
        updatedAt: request.failedAt.toISOString(),
      };
}
