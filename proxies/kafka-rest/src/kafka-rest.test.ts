import { Kafka as UpstashKafka } from "@upstash/kafka";
import { type IHeaders, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ISSUE_REQUEST_PARTITIONS, TOPICS } from "#shared/defaults.ts";
import { createTopics, deleteTopicsAndGroups } from "#test-support/own-kafka.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { createKafkaRestProxy, type KafkaRestProxy } from "./server.ts";

const USER = "tester";
const PASSWORD = `test-password-${crypto.randomUUID()}`;
const brokers = inject("testEnv").KAFKA_BROKERS.split(",");
// Topics of this file's own (named after the pinned ones): the records produced here, most of them
// not issue events, reach no consumer of another test.
const ISSUE_TOPIC = uniqueName(TOPICS.issueRequests);
const DLT_TOPIC = uniqueName(TOPICS.issueRequestsDlt);
const topics = [ISSUE_TOPIC, DLT_TOPIC];
let proxy: KafkaRestProxy;
let url: string;
const kafka = new Kafka({ clientId: "kafka-rest-test", brokers, logLevel: logLevel.NOTHING });

beforeAll(async () => {
  await createTopics(
    brokers,
    topics.map((topic) => ({ topic, numPartitions: ISSUE_REQUEST_PARTITIONS })),
  );
  proxy = createKafkaRestProxy({ brokers, username: USER, password: PASSWORD, topics });
  url = await proxy.listen(0);
});
afterAll(async () => {
  await proxy.close();
  await deleteTopicsAndGroups(brokers, { topics });
});

interface StoredRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

/** Reads back exactly the record at topic/partition/offset from the real broker. */
async function readRecord(topic: string, partition: number, offset: number): Promise<StoredRecord> {
  const consumer = kafka.consumer({ groupId: `kafka-rest-test-${crypto.randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic });
  try {
    return await new Promise<StoredRecord>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no record at ${topic}[${partition}]@${offset}`)),
        20_000,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition: p, message }) => {
          if (p === partition && Number(message.offset) === offset) {
            clearTimeout(timer);
            resolve({
              key: message.key,
              value: message.value,
              headers: message.headers ?? {},
              timestamp: message.timestamp,
            });
          }
        },
      });
      consumer.seek({ topic, partition, offset: String(offset) });
    });
  } finally {
    await consumer.disconnect();
  }
}

async function raw(
  body: unknown,
  {
    authorization = `Basic ${btoa(`${USER}:${PASSWORD}`)}`,
    path = "/produce",
    method = "POST",
    base = url,
  }: { authorization?: string; path?: string; method?: string; base?: string } = {},
) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization, "content-type": "application/json" },
    body: method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the assertions are what check the answer's shape.
  const json: any = await response.json().catch(() => null);
  return { status: response.status, headers: response.headers, body: json };
}

const producer = () => new UpstashKafka({ url, username: USER, password: PASSWORD }).producer();

describe("Kafka REST proxy with the official @upstash/kafka client", () => {
  it("produce: key, value, headers, partition and offset on the broker match the response, byte for byte", async () => {
    const value = JSON.stringify({ hello: "쿠폰 🎟️\n", id: crypto.randomUUID() });
    const key = `coupon:${crypto.randomUUID()}`;
    const result = await producer().produce(ISSUE_TOPIC, value, {
      key,
      headers: [
        { key: "trace", value: "abc" },
        { key: "source", value: "API ✓" },
      ],
    });
    expect(result).toEqual({
      topic: ISSUE_TOPIC,
      partition: expect.any(Number),
      offset: expect.any(Number),
      timestamp: expect.any(Number),
    });
    const record = await readRecord(result.topic, result.partition, result.offset);
    expect(record.key).toEqual(Buffer.from(key, "utf8"));
    expect(record.value).toEqual(Buffer.from(value, "utf8"));
    expect(record.headers.trace).toEqual(Buffer.from("abc"));
    expect(record.headers.source).toEqual(Buffer.from("API ✓", "utf8"));
    expect(Number(record.timestamp)).toBe(result.timestamp);
  });

  it("objects are produced as their JSON, and a repeated header key keeps every value", async () => {
    const value = { requestId: crypto.randomUUID(), source: "API" };
    const [result] = await producer().produceMany([
      {
        topic: ISSUE_TOPIC,
        value,
        headers: [
          { key: "hop", value: "1" },
          { key: "hop", value: "2" },
        ],
      },
    ]);
    if (!result) throw new Error("no result");
    const record = await readRecord(result.topic, result.partition, result.offset);
    expect(JSON.parse(record.value?.toString("utf8") ?? "")).toEqual(value);
    expect(record.headers.hop).toEqual([Buffer.from("1"), Buffer.from("2")]);
  });

  it("keyed messages go to the partition Kafka's Java client picks (murmur2)", async () => {
    // Hashes from Kafka's own UtilsTest.testMurmur2; partition = (hash & 0x7fffffff) % 3.
    const javaHashes: Record<string, number> = {
      "21": -973932308,
      foobar: -790332482,
      "a-little-bit-long-string": -985981536,
      "a-little-bit-longer-string": -1486304829,
      lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
      abc: 479470107,
    };
    const keys = Object.keys(javaHashes);
    const results = await producer().produceMany(
      keys.map((key) => ({ topic: ISSUE_TOPIC, key, value: crypto.randomUUID() })),
    );
    expect(results.map((r) => r.partition)).toEqual(
      keys.map((key) => ((javaHashes[key] as number) & 0x7fffffff) % 3),
    );
  });

  it("produceMany answers in request order, honouring explicit partitions, offsets consecutive per partition", async () => {
    const messages = [0, 1, 2, 1, 0, 0].map((partition, i) => ({
      topic: ISSUE_TOPIC,
      value: `many-${i}-${crypto.randomUUID()}`,
      partition,
    }));
    const results = await producer().produceMany(messages);
    expect(results.map((r) => r.partition)).toEqual([0, 1, 2, 1, 0, 0]);
    expect(results[4]?.offset).toBe((results[0]?.offset as number) + 1);
    expect(results[5]?.offset).toBe((results[0]?.offset as number) + 2);
    expect(results[3]?.offset).toBe((results[1]?.offset as number) + 1);
    for (const [i, result] of results.entries()) {
      const record = await readRecord(result.topic, result.partition, result.offset);
      expect(record.value?.toString()).toBe(messages[i]?.value);
    }
  });

  it("coalesces concurrent requests into shared broker requests without mixing up offsets", async () => {
    const before = proxy.producer.stats;
    const values = Array.from({ length: 300 }, (_, i) => `concurrent-${i}-${crypto.randomUUID()}`);
    const results = await Promise.all(
      values.map((value, i) =>
        producer().produce(
          i % 2 ? ISSUE_TOPIC : DLT_TOPIC,
          value,
          i % 3 ? { key: `k${i % 7}` } : {},
        ),
      ),
    );
    const after = proxy.producer.stats;
    expect(after.messages - before.messages).toBe(300);
    // Not one broker request per message: the whole point of the batching.
    expect(after.brokerRequests - before.brokerRequests).toBeLessThan(100);
    const places = results.map((r) => `${r.topic}/${r.partition}/${r.offset}`);
    expect(new Set(places).size).toBe(300);
    for (const index of [0, 137, 299]) {
      const result = results[index] as { topic: string; partition: number; offset: number };
      const record = await readRecord(result.topic, result.partition, result.offset);
      expect(record.value?.toString()).toBe(values[index]);
    }
  });

  it("answers 401 to missing or wrong credentials (raw fetch: the client retries for ~15 s)", async () => {
    const body = { topic: ISSUE_TOPIC, value: "x" };
    for (const authorization of [
      `Basic ${btoa(`${USER}:wrong`)}`,
      `Basic ${btoa(`someone:${PASSWORD}`)}`,
      `Bearer ${PASSWORD}`,
      "",
    ]) {
      const reply = await raw(body, { authorization });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: expect.stringMatching(/Unauthorized/), status: 401 });
    }
  });

  it("answers 400 to unknown topics and bad input, naming what is wrong", async () => {
    const unknown = await raw({ topic: "no-such-topic", value: "x" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/unknown topic 'no-such-topic'.*coupon-issue-requests/);
    const mixed = await raw([
      { topic: ISSUE_TOPIC, value: "x" },
      { topic: "elsewhere", value: "y" },
    ]);
    expect(mixed.status).toBe(400);
    const noValue = await raw({ topic: ISSUE_TOPIC });
    expect(noValue.status).toBe(400);
    expect(noValue.body.error).toMatch(/value/);
    expect((await raw({ topic: ISSUE_TOPIC, value: { not: "a string" } })).status).toBe(400);
    expect((await raw([])).status).toBe(400);
    expect((await raw("{nope")).status).toBe(400);
    const partition = await raw({ topic: ISSUE_TOPIC, value: "x", partition: 99 });
    expect(partition.status).toBe(400);
    expect(partition.body.error).toMatch(/partitions 0-2, not 99/);
  });

  it("answers 413 to a 5 MB body, 404 and 405 to wrong routes", async () => {
    const big = await raw({ topic: ISSUE_TOPIC, value: "x".repeat(5 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/exceeds the limit of 1048576 bytes/);
    expect((await raw({}, { path: "/consume/g/i" })).status).toBe(404);
    const get = await raw(null, { method: "GET" });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });

  it("reports health without credentials", async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", backend: "up" });
  });
});

describe("Kafka REST proxy when no broker answers", () => {
  it("answers 503 within its deadline instead of hanging, and says so on /health", async () => {
    const orphan = createKafkaRestProxy({
      brokers: ["127.0.0.1:1"],
      username: USER,
      password: PASSWORD,
      topics,
      produceTimeoutMs: 1000,
    });
    const orphanUrl = await orphan.listen(0);
    try {
      for (const body of [
        { topic: ISSUE_TOPIC, value: "x" },
        { topic: ISSUE_TOPIC, value: "x", partition: 0 },
      ]) {
        const started = Date.now();
        const reply = await raw(body, { base: orphanUrl });
        expect(reply.status).toBe(503);
        expect(reply.body.error).toMatch(/Kafka is unavailable/);
        expect(Date.now() - started).toBeLessThan(5000);
      }
      expect(await (await fetch(`${orphanUrl}/health`)).json()).toEqual({
        status: "ok",
        backend: "down",
      });
    } finally {
      await orphan.close();
    }
  });
});
