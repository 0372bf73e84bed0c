import { describe, expect, it } from "vitest";
import { readGatewayConfig } from "./config.ts";

describe("gateway configuration", () => {
  it("produces to the pinned topic with unprefixed keys unless told otherwise", () => {
    expect(readGatewayConfig({})).toMatchObject({
      issueTopic: "coupon-issue-requests",
      redisKeyPrefix: "",
    });
    expect(readGatewayConfig({ ISSUE_TOPIC: "issues-a", REDIS_KEY_PREFIX: "a:" })).toMatchObject({
      issueTopic: "issues-a",
      redisKeyPrefix: "a:",
    });
    expect(() => readGatewayConfig({ REDIS_KEY_PREFIX: "a,b" })).toThrow(/REDIS_KEY_PREFIX/);
  });
});
