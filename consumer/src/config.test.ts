import { describe, expect, it } from "vitest";
import { readConsumerConfig } from "./config.ts";

describe("consumer configuration", () => {
  it("works on the pinned topic, groups and keys unless told otherwise", () => {
    expect(readConsumerConfig({})).toMatchObject({
      issueTopic: "coupon-issue-requests",
      deadLetterTopic: "coupon-issue-requests.DLT",
      consumerGroup: "coupon-issue-consumer-group",
      dltMonitorGroup: "coupon-issue-dlt-monitor",
      redisKeyPrefix: "",
    });
  });

  it("takes names of its own from the environment, and refuses a key prefix with a brace", () => {
    expect(
      readConsumerConfig({
        ISSUE_TOPIC: "issues-a",
        DEAD_LETTER_TOPIC: "issues-a.DLT",
        CONSUMER_GROUP: "group-a",
        DLT_MONITOR_GROUP: "monitor-a",
        REDIS_KEY_PREFIX: "a:",
      }),
    ).toMatchObject({
      issueTopic: "issues-a",
      deadLetterTopic: "issues-a.DLT",
      consumerGroup: "group-a",
      dltMonitorGroup: "monitor-a",
      redisKeyPrefix: "a:",
    });
    expect(() => readConsumerConfig({ REDIS_KEY_PREFIX: "{a}:" })).toThrow(/REDIS_KEY_PREFIX/);
  });
});
