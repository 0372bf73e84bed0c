import { describe, expect, it } from "vitest";
import { CouponDropError } from "./coupon-drop-error.ts";
import { PipelineDisabledError } from "./pipeline-disabled-error.ts";

describe("PipelineDisabledError", () => {
  it("says which pipeline does not run and what to create the coupon with, and is not retriable", () => {
    const refusal = PipelineDisabledError.refusing("KAFKA", ["REDIS_STREAM"]);
    expect(refusal).toBeInstanceOf(CouponDropError);
    expect(refusal).toMatchObject({
      name: "PipelineDisabledError",
      retriable: false,
      message:
        "The KAFKA pipeline does not run in this deployment (ISSUE_PIPELINES=REDIS_STREAM): " +
        "create the coupon with pipeline REDIS_STREAM.",
    });
  });
});
