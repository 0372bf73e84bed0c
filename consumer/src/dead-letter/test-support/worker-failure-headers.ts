import { TOPICS } from "#shared/defaults.ts";
import { DLT_HEADERS } from "../dead-letter-headers.ts";

/** The failure headers a worker writes on a DLT record (all valid), without its dead-letter key. */
export const WORKER_FAILURE_HEADERS = {
  [DLT_HEADERS.originalTopic]: TOPICS.issueRequests,
  [DLT_HEADERS.originalPartition]: "1",
  [DLT_HEADERS.originalOffset]: "340",
  [DLT_HEADERS.attempts]: "3",
  [DLT_HEADERS.errorClass]: "CouponNotFound",
  [DLT_HEADERS.errorMessage]: "coupon 7 does not exist in PostgreSQL",
  [DLT_HEADERS.firstFailureAt]: "2026-11-25T05:00:00.000Z",
  [DLT_HEADERS.lastFailureAt]: "2026-11-25T05:00:03.000Z",
};
