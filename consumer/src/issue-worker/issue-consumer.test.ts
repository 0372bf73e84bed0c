import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOPICS } from "#shared/defaults.ts";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { waitForGroupCaughtUp } from "#test-support/kafka-lag.ts";
import { waitUntil } from "#test-support/wait.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import { createKafkaClient } from "../kafka/kafka-client.ts";
import { createMetrics } from "../monitoring/metrics.ts";
import type { IssueBatchProcessor } from "./issue-batch-processor.ts";
import { createIssueConsumer } from "./issue-consumer.ts";

// The consumer's retry policy against a real broker. The processor stands in for PostgreSQL and
// Redis: records marked "bug" fail every time, "blink" fails transiently twice, the rest succeed.
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const run = crypto.randomUUID();
const groupId = `issue-consumer-test-${run}`;
const value = (name: string) => `${run}:${name}`;

const succeeded: string[] = [];
const deadLettered: Array<{ value: string; attempts: number; error: string }> = [];
const blinks = new Map<string, number>();

const processor: IssueBatchProcessor = {
  async processChunk(records: ConsumedRecord[]) {
    const values = records.map((r) => r.value?.toString() ?? "");
    if (values.some((v) => v === value("bug"))) throw new TypeError("the same bug every time");
    for (const v of values.filter((v) => v === value("blink"))) {
      const seen = (blinks.get(v) ?? 0) + 1;
      blinks.set(v, seen);
      if (seen <= 2) throw new DependencyUnavailableError("PostgreSQL blinked");
    }
    succeeded.push(...values.filter((v) => v.startsWith(run)));
  },
  async deadLetterRecord(record, error, attempts) {
    deadLettered.push({ value: record.value?.toString() ?? "", attempts, error: error.message });
  },
};

const consumer = createIssueConsumer({
  kafka: createKafkaClient(brokers, "issue-consumer-test"),
  groupId,
  processor,
  metrics: createMetrics(),
  log: () => undefined,
});

beforeAll(async () => {
  const producer = new Kafka({
    clientId: "issue-consumer-test",
    brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  await producer.send({
    topic: TOPICS.issueRequests,
    messages: ["before", "bug", "blink", "after"].map((name) => ({
      partition: 0,
      value: value(name),
    })),
  });
  await producer.disconnect();
  await consumer.start();
});
afterAll(() => consumer.stop());

describe("issue consumer retry policy", () => {
  it("dead-letters only the record that always fails, after 3 attempts, and moves on", async () => {
    await waitUntil(() => succeeded.includes(value("after")), {
      timeoutMs: 60_000,
      what: "the record after the bug to be processed",
    });
    expect(deadLettered).toEqual([
      { value: value("bug"), attempts: 3, error: "the same bug every time" },
    ]);
    expect(new Set(succeeded)).toEqual(new Set([value("before"), value("blink"), value("after")]));
    // Offsets are committed only behind what was done: the group reaches the end of the topic.
    await waitForGroupCaughtUp(brokers, groupId, { timeoutMs: 30_000 });
  });

  it("retries a transient failure without counting it as an attempt or dead-lettering it", () => {
    expect(blinks.get(value("blink"))).toBeGreaterThanOrEqual(3);
    expect(deadLettered.some((d) => d.value === value("blink"))).toBe(false);
  });
});
