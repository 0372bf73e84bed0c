/**
 * One record as the issue consumer took it from `coupon-issue-requests`, before decoding: what a
 * worker processes, and what it forwards unchanged (with its origin) when it dead-letters it.
 */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** As kafkajs reads them: a header that repeats is an array. */
  headers: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}
