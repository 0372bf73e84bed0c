import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopics, deleteTopicsAndGroups, readTopic } from "#test-support/own-kafka.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import { createDurableProducer } from "../kafka/kafka-client.ts";
import { DLT_HEADERS, type FailureInfo } from "./dead-letter-headers.ts";
import { createDeadLetterPublisher } from "./dead-letter-publisher.ts";

// The publisher against a real broker, on a dead-letter topic of this file's own.
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const topic = uniqueName("dead-letter-publisher");
const producer = createDurableProducer(
  new Kafka({ clientId: "dead-letter-publisher-test", brokers, logLevel: logLevel.NOTHING }),
);

beforeAll(async () => {
  await createTopics(brokers, [{ topic, numPartitions: 1 }]);
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await deleteTopicsAndGroups(brokers, { topics: [topic] });
});

const failure: FailureInfo = {
  errorClass: "InvalidJson",
  errorMessage: "Unexpected end of JSON input",
  attempts: 1,
  firstFailureAt: new Date("2026-11-25T05:00:00.000Z"),
  lastFailureAt: new Date("2026-11-25T05:00:00.000Z"),
};

describe("dead-letter publisher", () => {
  it("names every dead-lettering with a key of its own, over one the original record carried", async () => {
    const record: ConsumedRecord = {
      topic: "coupon-issue-requests",
      partition: 0,
      offset: "0",
      key: Buffer.from("coupon:7"),
      value: Buffer.from("{oops"),
      // As if a DLT record had been put back on the topic, headers and all.
      headers: { "x-trace": "abc", [DLT_HEADERS.deadLetterKey]: "copied-from-elsewhere" },
    };
    const publisher = createDeadLetterPublisher(producer, topic);
    // The same record dead-lettered twice (its topic recreated, or processed again): two letters.
    await publisher.publish(record, failure);
    await publisher.publish(record, failure);

    const written = await readTopic(brokers, topic);
    expect(written.map((m) => m.value?.toString())).toEqual(["{oops", "{oops"]);
    const headers = written.map((m) => m.headers ?? {});
    const keys = headers.map((h) => h[DLT_HEADERS.deadLetterKey]?.toString());
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect(new Set(keys).size).toBe(2);
    for (const h of headers) {
      expect(h["x-trace"]?.toString()).toBe("abc");
      expect(h[DLT_HEADERS.originalOffset]?.toString()).toBe("0");
      expect(h[DLT_HEADERS.lastFailureAt]?.toString()).toBe("2026-11-25T05:00:00.000Z");
    }
  });
});
