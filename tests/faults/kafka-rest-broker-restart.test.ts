import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafkaRestProxy, type KafkaRestProxy } from "../../proxies/kafka-rest/src/server.ts";
import { TOPICS } from "../../shared/src/defaults.ts";
import { createKafkaBroker, type KafkaBroker } from "../../stack/src/kafka/kafka-broker.ts";
import { ensureTopics } from "../../stack/src/kafka/kafka-topics.ts";
import { waitUntil } from "../support/wait.ts";

const USER = "tester";
const PASSWORD = `test-password-${crypto.randomUUID()}`;
const authorization = `Basic ${btoa(`${USER}:${PASSWORD}`)}`;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port whose next port is free too: the broker's controller listens there. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
}

let broker: KafkaBroker;
let brokerPort: number;
let dataDir: string;
let proxy: KafkaRestProxy;
let url: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kafka-rest-restart-"));
  brokerPort = await freePortPair();
  broker = createKafkaBroker({ port: brokerPort, dataDir, log: () => {} });
  await broker.start();
  const admin = new Kafka({
    clientId: "kafka-rest-restart-test",
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await ensureTopics(admin);
  await admin.disconnect();
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
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
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

    // A fresh handle on the same port and data: the crashed one still reports its child as running
    // (exitCode stays null after a signal), so its start() would return at once.
    broker = createKafkaBroker({ port: brokerPort, dataDir, log: () => {} });
    await broker.start();
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
    await consumer.subscribe({ topic: TOPICS.issueRequests });
    const stored = new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (partition === result.partition && Number(message.offset) === result.offset)
            resolve(message.value?.toString() ?? "");
        },
      });
    });
    consumer.seek({
      topic: TOPICS.issueRequests,
      partition: result.partition,
      offset: String(result.offset),
    });
    try {
      expect(await stored).toBe(value);
    } finally {
      await consumer.disconnect();
    }
  }, 120_000);
});
