import { describe, expect, it } from "vitest";
import { choosePipeline, enabledPipelinesSetting, rolloutPercentFor } from "./issue-pipeline.ts";

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

describe("enabledPipelinesSetting", () => {
  it("reads a comma list of pipelines in their own order, both when unset", () => {
    expect(enabledPipelinesSetting.parse(undefined)).toEqual(["KAFKA", "REDIS_STREAM"]);
    expect(enabledPipelinesSetting.parse("REDIS_STREAM")).toEqual(["REDIS_STREAM"]);
    expect(enabledPipelinesSetting.parse("REDIS_STREAM,KAFKA,KAFKA")).toEqual([
      "KAFKA",
      "REDIS_STREAM",
    ]);
    expect(enabledPipelinesSetting.safeParse("").success).toBe(false);
    expect(enabledPipelinesSetting.safeParse("kafka").success).toBe(false);
  });
});

describe("rolloutPercentFor", () => {
  it("keeps a set percentage both pipelines can serve, and the default when unset", () => {
    expect(rolloutPercentFor(["KAFKA", "REDIS_STREAM"], 40, 0)).toBe(40);
    expect(rolloutPercentFor(["KAFKA", "REDIS_STREAM"], undefined, 0)).toBe(0);
    expect(rolloutPercentFor(["KAFKA"], undefined, 0)).toBe(0);
  });

  it("gives every unnamed coupon REDIS_STREAM when it runs alone, and refuses a share for KAFKA", () => {
    expect(rolloutPercentFor(["REDIS_STREAM"], undefined, 0)).toBe(100);
    expect(rolloutPercentFor(["REDIS_STREAM"], 100, 0)).toBe(100);
    expect(() => rolloutPercentFor(["REDIS_STREAM"], 99, 0)).toThrow(/KAFKA to 1 %/);
    expect(() => rolloutPercentFor(["KAFKA"], 10, 0)).toThrow(/REDIS_STREAM to 10 %/);
  });
});
