import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaRestProxy, type KafkaRestProxy } from "#kafka-rest/server.ts";
import { TOPICS } from "#shared/defaults.ts";
import { type OwnBroker, startOwnBroker } from "../support/own-broker.ts";
import { waitUntil } from "../support/wait.ts";

const USER = "tester";
const PASSWORD = `test-password-${crypto.randomUUID()}`;
const authorization = `Basic ${btoa(`${USER}:${PASSWORD}`)}`;

let broker: OwnBroker;
let proxy: KafkaRestProxy;
let url: string;

beforeAll(async () => {
  broker = await startOwnBroker("kafka-rest-restart");
  proxy = createKafkaRestProxy({
    brokers: broker.brokers,
    username: USER,
    password: PASSWORD,
    topics: [TOPICS.issueRequests],
    produceTimeoutMs: 2000,
  });
  url = await proxy.listen(0);
});

afterAll(async () => {
  await proxy?.close();
  await broker?.stop();
});

async function produce(value: string) {
  const response = await fetch(`${url}/produce`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify({ topic: TOPICS.issueRequests, value, partition: 1 }),
  });
  return { status: response.status, body: await response.json() };
}

describe("Kafka REST proxy across a broker crash", () => {
  it("answers 503 within its deadline while the broker is down, and produces again once it is back", async () => {
    const first = await produce(`before-${crypto.randomUUID()}`);
    expect(first.status).toBe(200);
    const firstOffset = first.body[0].offset as number;

    await broker.kill("SIGKILL");
    const started = Date.now();
    const down = await produce(`during-${crypto.randomUUID()}`);
    expect(down.status).toBe(503);
    expect(down.body.error).toMatch(/Kafka/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ backend: "down" });

    await broker.restart();
    const value = `after-${crypto.randomUUID()}`;
    let after: { status: number; body: Array<{ partition: number; offset: number }> } | undefined;
    await waitUntil(
      async () => {
        after = await produce(value);
        return after.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "a produce to succeed after the restart" },
    );
    const result = after?.body[0] as { partition: number; offset: number };
    expect(result.offset).toBeGreaterThan(firstOffset);
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ backend: "up" });

    // The offset the proxy answered is where the broker really holds the message.
    const consumer = new Kafka({
      clientId: "kafka-rest-restart-test",
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: `kafka-rest-restart-${crypto.randomUUID()}` });
    await consumer.connect();
    // Read the topic from the start (few records on this broker) rather than seek: a seek races
    // the group join under load.
    await consumer.subscribe({ topic: TOPICS.issueRequests, fromBeginning: true });
    const stored = new Promise<{ partition: number; offset: number }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (message.value?.toString() === value)
            resolve({ partition, offset: Number(message.offset) });
        },
      });
    });
    try {
      expect(await stored).toEqual({ partition: result.partition, offset: result.offset });
    } finally {
      await consumer.disconnect();
    }
  }, 120_000);
});
