export const ISSUE_STATUSES = ["PENDING", "ISSUED", "FAILED"] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

export function isFinalStatus(status: IssueStatus): boolean {
  return status !== "PENDING";
}
