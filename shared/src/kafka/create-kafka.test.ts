import { describe, expect, inject, it } from "vitest";
import { createMemoryLogger } from "../logging/memory-logger.ts";
import { createKafka } from "./create-kafka.ts";

describe("a kafkajs client made by createKafka", () => {
  it("arms no timer with a negative delay (Node's TimeoutNegativeWarning) while it works", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const { logger } = createMemoryLogger();
    const admin = createKafka({
      logger,
      clientId: "create-kafka-test",
      brokers: inject("testEnv").KAFKA_BROKERS.split(","),
    }).admin();
    try {
      await admin.connect();
      // Requests answered and connections left idle: where kafkajs 2.2.4 armed the timer.
      for (let i = 0; i < 3; i++) await admin.listTopics();
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await admin.disconnect();
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "TimeoutNegativeWarning")).toEqual([]);
  });

  it("logs kafkajs's lines through the process's logger, as fields", async () => {
    const { logger, lines } = createMemoryLogger("info");
    const admin = createKafka({
      logger,
      clientId: "create-kafka-test",
      // Nothing listens there: kafkajs logs its connection errors.
      brokers: ["127.0.0.1:9"],
      connectionTimeout: 200,
      retry: { retries: 0 },
    }).admin();
    await expect(admin.connect()).rejects.toThrow();
    const kafkajs = lines.filter((line) => line.component === "kafkajs");
    expect(kafkajs.length).toBeGreaterThan(0);
    expect(kafkajs[0]).toMatchObject({ level: 50, broker: "127.0.0.1:9", namespace: "Connection" });
  });
});
