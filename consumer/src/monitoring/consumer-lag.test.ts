import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTopics, deleteTopicsAndGroups } from "#test-support/own-kafka.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { createConsumerLag, writtenAtMs } from "./consumer-lag.ts";
import { createControlMetrics, createMetricsRegistry } from "./metrics.ts";

describe("writtenAtMs", () => {
  const history = [
    { offset: 10, atMs: 1_000 },
    { offset: 20, atMs: 2_000 },
    { offset: 60, atMs: 6_000 },
  ];
  it("interpolates between the samples around the offset", () => {
    expect(writtenAtMs(history, 15)).toBe(1_500);
    expect(writtenAtMs(history, 40)).toBe(4_000);
  });
  it("answers the oldest sample's time for an offset older than the history", () => {
    expect(writtenAtMs(history, 3)).toBe(1_000);
  });
  it("answers null for an offset no sample has reached (nothing written there yet)", () => {
    expect(writtenAtMs(history, 60)).toBeNull();
  });
});

describe("consumer lag against a real broker", () => {
  const brokers = inject("testEnv").KAFKA_BROKERS.split(",");
  const topic = uniqueName("consumer-lag-test");
  const groupId = uniqueName("consumer-lag-test");
  const kafka = new Kafka({ clientId: "consumer-lag-test", brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const registry = createMetricsRegistry({ defaultMetrics: false });
  const metrics = createControlMetrics(registry);
  let clock = 1_000_000;
  const lag = createConsumerLag({ admin, groupId, topic, metrics, now: () => clock });

  beforeAll(async () => {
    await createTopics(brokers, [{ topic, numPartitions: 2 }]);
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
    await deleteTopicsAndGroups(brokers, { topics: [topic], groups: [groupId] });
  });

  it("counts records not committed and their age, per partition, and sets the gauges", async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `r${i}`, partition: 0 })),
    });
    await producer.disconnect();
    // The group has committed the first two records of partition 0 and nothing of partition 1.
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "2" }] });

    expect(await lag.sample()).toEqual([
      { partition: 0, records: 3, seconds: 0 },
      { partition: 1, records: 0, seconds: 0 },
    ]);
    clock += 4_000;
    expect(await lag.sample()).toEqual([
      { partition: 0, records: 3, seconds: 4 },
      { partition: 1, records: 0, seconds: 0 },
    ]);
    const text = await registry.metrics();
    expect(text).toContain(`coupon_drop_consumer_lag_records{topic="${topic}",partition="0"} 3`);
    expect(text).toContain(`coupon_drop_consumer_lag_seconds{topic="${topic}",partition="0"} 4`);

    // Caught up: no lag left, in records or in time.
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "5" }] });
    clock += 1_000;
    expect((await lag.sample())[0]).toEqual({ partition: 0, records: 0, seconds: 0 });
  });
});
