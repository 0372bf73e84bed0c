import { describe, expect, inject, it } from "vitest";
import { createMemoryLogger } from "#shared/logging/memory-logger.ts";
import { createDurableProducer, createKafkaClient } from "./kafka-client.ts";

describe("the consumer processes' kafkajs client", () => {
  it("makes a producer without kafkajs's notice about its default partitioner", async () => {
    const { logger, lines } = createMemoryLogger("debug");
    const kafka = createKafkaClient(
      inject("testEnv").KAFKA_BROKERS.split(","),
      "kafka-client-test",
      logger,
    );
    const producer = createDurableProducer(kafka);
    await producer.connect();
    await producer.disconnect();
    expect(lines.some((line) => line.component === "kafkajs")).toBe(true);
    expect(lines.filter((line) => /partitioner/i.test(String(line.msg)))).toEqual([]);
  });
});
