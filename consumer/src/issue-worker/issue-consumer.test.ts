import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, inject, it } from "vitest";
import { ISSUE_REQUEST_PARTITIONS } from "#shared/defaults.ts";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { silentLogger } from "#shared/logging/logger.ts";
import { waitForGroupCaughtUp } from "#test-support/kafka-lag.ts";
import { createTopics, deleteTopicsAndGroups } from "#test-support/own-kafka.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import { createKafkaClient } from "../kafka/kafka-client.ts";
import { createMetricsRegistry, createWorkerMetrics } from "../monitoring/metrics.ts";
import type { IssueBatchProcessor } from "./issue-batch-processor.ts";
import { createIssueConsumer } from "./issue-consumer.ts";

// The consumer's retry policy against a real broker. The processor stands in for PostgreSQL and
// Redis: records marked "bug" fail every time, "blink" fails transiently twice, the rest succeed.
// Each test consumes a topic of its own in a group of its own: what it writes reaches no other
// consumer, and it sees nothing another test wrote.
const brokers = inject("testEnv").KAFKA_BROKERS.split(",");

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Produces `names` to partition 0 of a new topic, then starts a consumer on it. */
async function consume(names: string[]) {
  const run = crypto.randomUUID();
  const topic = uniqueName("issue-consumer-test");
  const groupId = uniqueName("issue-consumer-test");
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

  await createTopics(brokers, [{ topic, numPartitions: ISSUE_REQUEST_PARTITIONS }]);
  const consumer = createIssueConsumer({
    kafka: createKafkaClient(brokers, "issue-consumer-test"),
    groupId,
    topic,
    processor,
    metrics: createWorkerMetrics(createMetricsRegistry({ defaultMetrics: false })),
    logger: silentLogger(),
  });
  cleanup = async () => {
    await consumer.stop();
    await deleteTopicsAndGroups(brokers, { topics: [topic], groups: [groupId] });
  };

  const producer = new Kafka({
    clientId: "issue-consumer-test",
    brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: names.map((name) => ({ partition: 0, value: value(name) })),
  });
  await producer.disconnect();
  await consumer.start();
  return { topic, groupId, value, succeeded, deadLettered, blinks };
}

describe("issue consumer retry policy", () => {
  it("dead-letters only the record that always fails, after 3 attempts, and moves on", async () => {
    const { topic, groupId, value, succeeded, deadLettered } = await consume([
      "before",
      "bug",
      "blink",
      "after",
    ]);
    await waitUntil(() => succeeded.includes(value("after")), {
      timeoutMs: 60_000,
      what: "the record after the bug to be processed",
    });
    expect(deadLettered).toEqual([
      { value: value("bug"), attempts: 3, error: "the same bug every time" },
    ]);
    expect(new Set(succeeded)).toEqual(new Set([value("before"), value("blink"), value("after")]));
    // Offsets are committed only behind what was done: the group reaches the end of the topic.
    await waitForGroupCaughtUp(brokers, groupId, { timeoutMs: 30_000, topic });
  });

  it("retries a transient failure without counting it as an attempt or dead-lettering it", async () => {
    const { value, succeeded, deadLettered, blinks } = await consume(["blink", "after"]);
    await waitUntil(() => succeeded.includes(value("after")), {
      timeoutMs: 60_000,
      what: "the record after the transient failure to be processed",
    });
    expect(blinks.get(value("blink"))).toBeGreaterThanOrEqual(3);
    expect(deadLettered.some((d) => d.value === value("blink"))).toBe(false);
  });
});
