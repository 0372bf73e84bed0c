/** Header names on records in `coupon-issue-requests.DLT`; the DLT monitor and replay read them. */
export const DLT_HEADERS = {
  originalTopic: "x-original-topic",
  originalPartition: "x-original-partition",
  originalOffset: "x-original-offset",
  attempts: "x-attempts",
  errorClass: "x-error-class",
  errorMessage: "x-error-message",
  firstFailureAt: "x-first-failure-at",
  lastFailureAt: "x-last-failure-at",
  /** The dead letter's identity (see dead-letter-key.ts); absent on records of older workers. */
  deadLetterKey: "x-dead-letter-key",
  /** On a stream worker's dead letter: the id the entry had in its coupon's stream. */
  streamEntryId: "x-stream-entry-id",
} as const;

export interface FailureInfo {
  errorClass: string;
  errorMessage: string;
  attempts: number;
  firstFailureAt: Date;
  lastFailureAt: Date;
}
