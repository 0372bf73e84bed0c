import { z } from "zod";
import { commaList } from "./comma-list.ts";

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

/**
 * `ISSUE_PIPELINES`: the pipelines a deployment runs, comma-separated; default both. Without `KAFKA`
 * nothing needs a broker: `npm start` starts neither one nor the Kafka REST proxy, the control
 * process opens no Kafka client, and a coupon on KAFKA is refused when it is created.
 */
export const enabledPipelinesSetting = commaList
  .pipe(z.array(issuePipelineSchema).min(1, `name at least one of ${ISSUE_PIPELINES.join(", ")}`))
  .transform((named) => ISSUE_PIPELINES.filter((pipeline) => named.includes(pipeline)))
  .default([...ISSUE_PIPELINES]);

/**
 * The rollout percentage a deployment's pipelines allow, or the refusal of one that would hand new
 * coupons to a pipeline that does not run. Unset, it is 100 when only REDIS_STREAM runs (a coupon
 * created without naming one gets the pipeline there is) and the project's default otherwise.
 */
export function rolloutPercentFor(
  enabled: readonly IssuePipeline[],
  setPercent: number | undefined,
  defaultPercent: number,
): number {
  const only = enabled.length === 1 ? enabled[0] : undefined;
  const percent = setPercent ?? (only === "REDIS_STREAM" ? 100 : defaultPercent);
  if (only === "REDIS_STREAM" && percent < 100)
    throw new Error(
      `ISSUE_PIPELINE_ROLLOUT_PERCENT=${percent} would give KAFKA to ${100 - percent} % of new coupons, ` +
        "but ISSUE_PIPELINES=REDIS_STREAM runs no Kafka: set it to 100, or unset it",
    );
  if (only === "KAFKA" && percent > 0)
    throw new Error(
      `ISSUE_PIPELINE_ROLLOUT_PERCENT=${percent} would give REDIS_STREAM to ${percent} % of new coupons, ` +
        "but ISSUE_PIPELINES=KAFKA runs no stream workers: set it to 0, or unset it",
    );
  return percent;
}
