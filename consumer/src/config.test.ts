import { describe, expect, it } from "vitest";
import { readConsumerConfig, readWorkerConfig } from "./config.ts";

describe("consumer configuration", () => {
  it("works on the pinned topic, groups and keys unless told otherwise", () => {
    expect(readConsumerConfig({})).toMatchObject({
      issueTopic: "coupon-issue-requests",
      deadLetterTopic: "coupon-issue-requests.DLT",
      consumerGroup: "coupon-issue-consumer-group",
      dltMonitorGroup: "coupon-issue-dlt-monitor",
      redisKeyPrefix: "",
      redisClusterNodes: [],
    });
  });

  it("runs both pipelines unless ISSUE_PIPELINES names fewer, and fits the rollout's default to them", () => {
    expect(readConsumerConfig({})).toMatchObject({
      pipelines: ["KAFKA", "REDIS_STREAM"],
      kafkaEnabled: true,
      pipelineRolloutPercent: 0,
    });
    expect(readConsumerConfig({ ISSUE_PIPELINES: "REDIS_STREAM" })).toMatchObject({
      pipelines: ["REDIS_STREAM"],
      kafkaEnabled: false,
      pipelineRolloutPercent: 100,
    });
    expect(readConsumerConfig({ ISSUE_PIPELINES: " REDIS_STREAM, KAFKA " })).toMatchObject({
      pipelines: ["KAFKA", "REDIS_STREAM"],
    });
    expect(() => readConsumerConfig({ ISSUE_PIPELINES: "REDIS" })).toThrow(/ISSUE_PIPELINES/);
    expect(() => readConsumerConfig({ ISSUE_PIPELINES: "" })).toThrow(/ISSUE_PIPELINES/);
    expect(() =>
      readConsumerConfig({ ISSUE_PIPELINES: "REDIS_STREAM", ISSUE_PIPELINE_ROLLOUT_PERCENT: "50" }),
    ).toThrow(/would give KAFKA to 50 % of new coupons, but ISSUE_PIPELINES=REDIS_STREAM/);
  });

  it("refuses to start a worker of a pipeline the deployment does not run", () => {
    expect(readWorkerConfig("REDIS_STREAM", { ISSUE_PIPELINES: "REDIS_STREAM" }).pipelines).toEqual(
      ["REDIS_STREAM"],
    );
    expect(() => readWorkerConfig("KAFKA", { ISSUE_PIPELINES: "REDIS_STREAM" })).toThrow(
      "it serves the KAFKA pipeline, which ISSUE_PIPELINES=REDIS_STREAM does not run",
    );
    expect(() => readWorkerConfig("REDIS_STREAM", { ISSUE_PIPELINES: "KAFKA" })).toThrow(
      /REDIS_STREAM pipeline/,
    );
  });

  it("without Kafka, lets the development event key be used whatever KAFKA_BROKERS says", () => {
    // No event goes to a broker: the brokers' addresses do not make the key public.
    expect(() => readConsumerConfig({ KAFKA_BROKERS: "10.0.0.9:9092" })).toThrow(
      /development event signing key/,
    );
    expect(
      readConsumerConfig({ ISSUE_PIPELINES: "REDIS_STREAM", KAFKA_BROKERS: "10.0.0.9:9092" }),
    ).toMatchObject({ kafkaEnabled: false });
  });

  it("points at a Redis Cluster through REDIS_CLUSTER_NODES", () => {
    expect(
      readConsumerConfig({ REDIS_CLUSTER_NODES: "127.0.0.1:17000,127.0.0.1:17001" }),
    ).toMatchObject({
      redisClusterNodes: [
        { host: "127.0.0.1", port: 17000 },
        { host: "127.0.0.1", port: 17001 },
      ],
    });
    expect(() => readConsumerConfig({ REDIS_CLUSTER_NODES: "127.0.0.1:0" })).toThrow(
      /REDIS_CLUSTER_NODES/,
    );
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

  it("takes the development token on loopback only, and serves metrics open with it", () => {
    expect(readConsumerConfig({})).toMatchObject({
      metricsHost: "127.0.0.1",
      metricsAccess: { kind: "open" },
      dashboardAccess: { kind: "open" },
    });
    expect(() => readConsumerConfig({ INTERNAL_API_URL: "http://0.0.0.0:4001" })).toThrow(
      /^refusing to listen on 0\.0\.0\.0 with the development credentials.*set INTERNAL_API_TOKEN/,
    );
    expect(() => readConsumerConfig({ METRICS_HOST: "10.0.0.5" })).toThrow(
      /^refusing to listen on 10\.0\.0\.5 with the development credentials.*INTERNAL_API_TOKEN/,
    );
  });

  it("takes a token of its own anywhere once it is 32 bytes; metrics and dashboard then need theirs", () => {
    const token = "t".repeat(32);
    const deployed = {
      INTERNAL_API_URL: "http://control.internal:4001",
      INTERNAL_API_TOKEN: token,
      METRICS_HOST: "0.0.0.0",
    };
    expect(readConsumerConfig(deployed)).toMatchObject({
      internalApi: { token },
      metricsHost: "0.0.0.0",
      metricsAccess: { kind: "closed", variable: "METRICS_TOKEN" },
      dashboardAccess: { kind: "closed", variable: "DASHBOARD_TOKEN" },
    });
    const scrape = "m".repeat(32);
    const watch = "d".repeat(32);
    expect(
      readConsumerConfig({ ...deployed, METRICS_TOKEN: scrape, DASHBOARD_TOKEN: watch }),
    ).toMatchObject({
      metricsAccess: { kind: "token", token: scrape },
      dashboardAccess: { kind: "token", token: watch },
    });
    expect(() => readConsumerConfig({ INTERNAL_API_TOKEN: "t".repeat(31) })).toThrow(
      /^INTERNAL_API_TOKEN is 31 bytes long, and a secret of its own must be at least 32/,
    );
  });

  it("refuses one credential for two purposes, and a scrape or dashboard token under 32 bytes", () => {
    const token = "t".repeat(32);
    expect(() => readConsumerConfig({ INTERNAL_API_TOKEN: token, METRICS_TOKEN: token })).toThrow(
      /^INTERNAL_API_TOKEN and METRICS_TOKEN are the same secret/,
    );
    expect(() =>
      readConsumerConfig({ METRICS_TOKEN: "m".repeat(32), DASHBOARD_TOKEN: "m".repeat(32) }),
    ).toThrow(/^METRICS_TOKEN and DASHBOARD_TOKEN are the same secret/);
    expect(() => readConsumerConfig({ DASHBOARD_TOKEN: "short" })).toThrow(
      /^DASHBOARD_TOKEN is 5 bytes long/,
    );
  });
});

describe("consumer configuration: the event keys", () => {
  it("takes the development key while the brokers are on loopback, and a key of its own anywhere", () => {
    expect(readConsumerConfig({}).eventKeys).toEqual({
      signingKey: "dev-event-signing-key",
      verificationKeys: ["dev-event-signing-key"],
    });
    expect(() =>
      readConsumerConfig({ KAFKA_BROKERS: "127.0.0.1:9092,kafka-2.internal:9092" }),
    ).toThrow(
      /^refusing the development event signing key with KAFKA_BROKERS on kafka-2\.internal.*set EVENT_SIGNING_KEY/,
    );
    const current = "c".repeat(32);
    const previous = "p".repeat(32);
    expect(
      readConsumerConfig({
        KAFKA_BROKERS: "kafka-1.internal:9092",
        EVENT_SIGNING_KEY: current,
        EVENT_VERIFICATION_KEYS: previous,
      }).eventKeys,
    ).toEqual({ signingKey: current, verificationKeys: [current, previous] });
  });
});
