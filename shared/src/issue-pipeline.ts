import { z } from "zod";

/**
 * How a coupon's admitted requests reach PostgreSQL (GraphQL `IssuePipeline`, pinned):
 * - `KAFKA`: the gateway produces each admitted request to `coupon-issue-requests`; the issue
 *   workers (consumer/src/issue-worker) persist it.
 * - `REDIS_STREAM`: admit.lua appends the admitted request to the coupon's Redis Stream in the same
 *   atomic step; the stream workers (consumer/src/stream-worker) persist it. No broker involved.
 *
 * Chosen when the coupon is created and never changed afterwards, so every request of a coupon
 * travels one way and is decided in one order.
 */
export const ISSUE_PIPELINES = ["KAFKA", "REDIS_STREAM"] as const;
export type IssuePipeline = (typeof ISSUE_PIPELINES)[number];
export const issuePipelineSchema = z.enum(ISSUE_PIPELINES);

/** What a coupon created without naming one gets, absent a rollout. */
export const DEFAULT_ISSUE_PIPELINE: IssuePipeline = "KAFKA";

/**
 * The pipeline of a new coupon: the one its creator named, or the rollout's pick, `REDIS_STREAM`
 * for `rolloutPercent` % of coupons (the gradual switch: coupons created earlier keep theirs).
 */
export function choosePipeline(
  named: IssuePipeline | null | undefined,
  rolloutPercent: number,
  random: () => number = Math.random,
): IssuePipeline {
  if (named) return named;
  return random() * 100 < rolloutPercent ? "REDIS_STREAM" : DEFAULT_ISSUE_PIPELINE;
}
