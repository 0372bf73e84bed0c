import { describe, expect, it } from "vitest";
import { choosePipeline } from "./issue-pipeline.ts";

describe("choosePipeline", () => {
  it("keeps the pipeline a coupon's creator named, whatever the rollout", () => {
    expect(choosePipeline("KAFKA", 100, () => 0)).toBe("KAFKA");
    expect(choosePipeline("REDIS_STREAM", 0, () => 0.99)).toBe("REDIS_STREAM");
  });

  it("gives REDIS_STREAM to the rollout's share of the others", () => {
    expect(choosePipeline(undefined, 0, () => 0)).toBe("KAFKA");
    expect(choosePipeline(null, 100, () => 0.999)).toBe("REDIS_STREAM");
    expect(choosePipeline(undefined, 25, () => 0.2)).toBe("REDIS_STREAM");
    expect(choosePipeline(undefined, 25, () => 0.25)).toBe("KAFKA");
    let calls = 0;
    const picks = Array.from({ length: 1000 }, () =>
      choosePipeline(undefined, 30, () => (calls++ % 100) / 100),
    );
    expect(picks.filter((p) => p === "REDIS_STREAM")).toHaveLength(300);
  });
});
