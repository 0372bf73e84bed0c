import type { IssuePipeline } from "../issue-pipeline.ts";
import { CouponDropError } from "./coupon-drop-error.ts";

/**
 * A coupon was to be created on a pipeline this deployment does not run (`ISSUE_PIPELINES`): it is
 * refused, rather than admitting presses no worker would ever persist. The same call fails again
 * until the coupon names a pipeline that runs. The message is written for the caller, and crosses
 * the internal API as it is (the gateway raises the same class from it).
 */
export class PipelineDisabledError extends CouponDropError {
  constructor(message: string) {
    super(message, { retriable: false });
  }

  /** The refusal of `pipeline` where only `enabled` run. */
  static refusing(
    pipeline: IssuePipeline,
    enabled: readonly IssuePipeline[],
  ): PipelineDisabledError {
    return new PipelineDisabledError(
      `The ${pipeline} pipeline does not run in this deployment (ISSUE_PIPELINES=${enabled.join(",")}): ` +
        `create the coupon with pipeline ${enabled.join(" or ")}.`,
    );
  }

  /** The refusal of a press of a coupon created on `pipeline` before it stopped running here. */
  static pressRefused(
    couponId: string,
    pipeline: IssuePipeline,
    enabled: readonly IssuePipeline[],
  ): PipelineDisabledError {
    return new PipelineDisabledError(
      `Coupon ${couponId} is on the ${pipeline} pipeline, which this deployment does not run ` +
        `(ISSUE_PIPELINES=${enabled.join(",")}): its presses are not accepted.`,
    );
  }
}
