/** A request's status as the API shows it (GraphQL `IssueStatus`, pinned) and Redis records it. */
export const ISSUE_STATUSES = ["PENDING", "ISSUED", "FAILED"] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

/** ISSUED and FAILED end a `requestStatus` subscription: the request has its outcome. */
export function isFinalStatus(status: IssueStatus): boolean {
  return status !== "PENDING";
}
