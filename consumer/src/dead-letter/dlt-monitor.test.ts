import type { MikroORM } from "@mikro-orm/postgresql";
import { Redis } from "ioredis";
import type { IHeaders } from "kafkajs";
import { afterEach, describe, expect, inject, it } from "vitest";
import { ISSUE_REQUEST_PARTITIONS, STREAM_DEFAULTS } from "#shared/defaults.ts";
import { encodeIssueEvent, issueEventKey } from "#shared/issue-event.ts";
import { createMemoryLogger } from "#shared/logging/memory-logger.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { waitForGroupCaughtUp } from "#test-support/kafka-lag.ts";
import { createTopics, deleteTopicsAndGroups } from "#test-support/own-kafka.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";
import { DatabaseError } from "../db/db-errors.ts";
import { DeadLetter } from "../db/entities/dead-letter.ts";
import { useMigratedDatabase } from "../db/test-support/migrated-database.ts";
import { createKafkaClient } from "../kafka/kafka-client.ts";
import { createControlMetrics, createMetricsRegistry } from "../monitoring/metrics.ts";
import type { DeadLetterAlert } from "./alert-sink.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import { createDeadLetterRepository, type DeadLetterRepository } from "./dead-letter-repository.ts";
import { createDltMonitor } from "./dlt-monitor.ts";
import { DLT_RECORD_LIMITS } from "./read-dlt-record.ts";
import { createStreamDeadLetterPublisher } from "./stream-dead-letters.ts";
import { WORKER_FAILURE_HEADERS } from "./test-support/worker-failure-headers.ts";

// The DLT monitor against a real broker and PostgreSQL, fed records no worker wrote, the way
// someone who can write to the dead-letter topic would forge them. Each must be recorded (marked)
// and alerted, and none may hold the partition: the good dead letter behind them is recorded too.
// The DLT topic and the monitor's group are this file's own.
const brokers = inject("testEnv").KAFKA_BROKERS.split(",");

let orm: MikroORM;
useMigratedDatabase((fixture) => ({ orm } = fixture));

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** What a worker writes on a DLT record: every header, valid, with a key of its own. */
function workerHeaders(): Record<string, string> {
  return { ...WORKER_FAILURE_HEADERS, [DLT_HEADERS.deadLetterKey]: uuidV7() };
}

const event = encodeIssueEvent({
  requestId: uuidV7(),
  userId: "3",
  couponId: "7",
  requestedAt: "2026-11-25T04:59:59.000Z",
  source: "API",
});

/** Records on partition 0 of a DLT of its own, in order, then the monitor reading it. */
async function monitor(
  records: Array<{ value: Buffer | string | null; headers: IHeaders }>,
  wrap: (repository: DeadLetterRepository) => DeadLetterRepository = (r) => r,
) {
  const topic = uniqueName("dlt-monitor-test");
  const groupId = uniqueName("dlt-monitor-test");
  await createTopics(brokers, [{ topic, numPartitions: ISSUE_REQUEST_PARTITIONS }]);
  const kafka = createKafkaClient(brokers, "dlt-monitor-test");
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: records.map((r) => ({ partition: 0, key: "coupon:7", ...r })),
  });
  await producer.disconnect();
  const alerts: DeadLetterAlert[] = [];
  const { logger, lines: logs } = createMemoryLogger();
  const dltMonitor = createDltMonitor({
    kafka,
    repository: wrap(createDeadLetterRepository(orm.em)),
    alert: async (payload) => {
      alerts.push(payload);
      return true;
    },
    metrics: createControlMetrics(createMetricsRegistry({ defaultMetrics: false })),
    topic,
    groupId,
    logger,
  });
  cleanup = async () => {
    await dltMonitor.stop();
    await deleteTopicsAndGroups(brokers, { topics: [topic], groups: [groupId] });
  };
  await dltMonitor.start();
  const rows = async () =>
    (await orm.em.fork().find(DeadLetter, { topic }, { orderBy: { offset: "asc" } })).map(
      (row) => ({
        offset: row.offset,
        errorClass: row.errorClass,
        attempts: row.attempts,
        payload: row.payload,
        malformed: row.malformed ?? null,
      }),
    );
  /** Waits for the last record (the good one) to be recorded, then for the group to commit it. */
  const caughtUp = async () => {
    await waitUntil(
      async () => (await rows()).some((row) => row.offset === String(records.length - 1)),
      {
        timeoutMs: 60_000,
        what: "the dead letter behind the forged ones to be recorded",
      },
    );
    await waitForGroupCaughtUp(brokers, groupId, { topic, timeoutMs: 30_000 });
  };
  return { rows, alerts, logs, caughtUp };
}

describe("the DLT monitor, fed records no worker wrote", () => {
  it("records and alerts each one, marked, and is not held up: the good one behind them is recorded", async () => {
    const bytes = (headers: Record<string, string>): IHeaders =>
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    const good = workerHeaders();
    const forged: Array<{ what: string; value: Buffer | string | null; headers: IHeaders }> = [
      {
        what: "wrong types",
        value: event,
        headers: bytes({
          ...workerHeaders(),
          [DLT_HEADERS.attempts]: "NaN",
          [DLT_HEADERS.originalPartition]: "99999999999",
          [DLT_HEADERS.lastFailureAt]: "yesterday",
          [DLT_HEADERS.deadLetterKey]: "not-a-uuid",
        }),
      },
      {
        what: "huge values",
        value: "v".repeat(600_000),
        headers: bytes({ ...workerHeaders(), [DLT_HEADERS.errorMessage]: "m".repeat(300_000) }),
      },
      { what: "missing headers", value: event, headers: {} },
      {
        what: "invalid UTF-8 and NUL",
        value: Buffer.from([0x7b, 0x00, 0xc3, 0x28, 0xff]),
        headers: {
          ...bytes(workerHeaders()),
          [DLT_HEADERS.errorClass]: Buffer.from([0xc3, 0x28, 0x00]),
          "x-\u0000": Buffer.from([0x00]),
        },
      },
      { what: "no value at all", value: null, headers: bytes({ [DLT_HEADERS.attempts]: "0" }) },
    ];
    const { rows, alerts, caughtUp } = await monitor([
      ...forged.map(({ value, headers }) => ({ value, headers })),
      { value: event, headers: bytes(good) },
    ]);
    await caughtUp();

    const recorded = await rows();
    expect(recorded).toHaveLength(forged.length + 1);
    for (const [i, { what }] of forged.entries()) {
      expect(recorded[i]?.malformed, what).toMatch(/^ForgedDeadLetterError: /);
      expect(recorded[i]?.payload ?? "", what).not.toContain("\u0000");
    }
    // A payload no worker wrote is kept only in part: it cannot be replayed, and a flood of them at
    // their whole size would be a flood of table.
    expect(recorded[1]?.payload).toHaveLength(DLT_RECORD_LIMITS.forgedPayloadChars);
    expect(recorded[1]?.malformed).toMatch(/\(value\): cut at 16384 characters of \d+/);
    expect(recorded.at(-1)).toEqual({
      offset: String(forged.length),
      errorClass: "CouponNotFound",
      attempts: 3,
      payload: event,
      malformed: null,
    });
    // An alert for each, saying which were not a worker's.
    await waitUntil(() => alerts.length === forged.length + 1, { what: "an alert per record" });
    expect(alerts.map((a) => a.malformed === undefined)).toEqual([
      ...forged.map(() => false),
      true,
    ]);
    expect(alerts.at(-1)).toMatchObject({
      errorClass: "CouponNotFound",
      originalPartition: 1,
      originalOffset: "340",
    });
    for (const alert of alerts.slice(0, -1)) {
      expect(alert).toMatchObject({ originalPartition: null, originalOffset: null });
      expect(JSON.stringify(alert).length).toBeLessThan(12_000);
    }
  });

  it("records a placeholder for a record PostgreSQL refuses, and moves on", async () => {
    const refusing = (repository: DeadLetterRepository): DeadLetterRepository => ({
      ...repository,
      record: (entry) =>
        entry.payload === "refused"
          ? Promise.reject(new DatabaseError("value too long for type", { retriable: false }))
          : repository.record(entry),
    });
    const bytes = (headers: Record<string, string>): IHeaders =>
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    const { rows, alerts, logs, caughtUp } = await monitor(
      [
        { value: "refused", headers: bytes(workerHeaders()) },
        { value: event, headers: bytes(workerHeaders()) },
      ],
      refusing,
    );
    await caughtUp();
    const [placeholder, good] = await rows();
    expect(placeholder).toEqual({
      offset: "0",
      errorClass: "ForgedDeadLetterError",
      attempts: 1,
      payload: null,
      malformed: expect.stringMatching(/could not be stored as read \(value too long for type\)/),
    });
    expect(good).toMatchObject({ offset: "1", payload: event, malformed: null });
    expect(logs.some((line) => /could not be stored as read/.test(line.msg ?? ""))).toBe(true);
    await waitUntil(() => alerts.length === 2, { what: "an alert for each" });
  });
});

describe("the DLT monitor where no Kafka runs", () => {
  it("records and alerts the stream workers' dead letters, with no Kafka client at all", async () => {
    const redis = new Redis(inject("testEnv").REDIS_URL);
    const key = uniqueName("dead-letter-stream");
    const alerts: DeadLetterAlert[] = [];
    const dltMonitor = createDltMonitor({
      kafka: null,
      repository: createDeadLetterRepository(orm.em),
      alert: async (payload) => {
        alerts.push(payload);
        return true;
      },
      metrics: createControlMetrics(createMetricsRegistry({ defaultMetrics: false })),
      stream: { redis, key, group: uniqueName("dlt-monitor-test"), blockMs: 50 },
    });
    cleanup = async () => {
      await dltMonitor.stop();
      await redis.del(key);
      redis.disconnect();
    };
    await dltMonitor.start();
    const failedAt = new Date();
    await createStreamDeadLetterPublisher(redis, key).publish(
      {
        topic: STREAM_DEFAULTS.source,
        partition: 0,
        offset: "1",
        key: Buffer.from(issueEventKey("7")),
        value: Buffer.from(event),
        headers: {},
      },
      {
        errorClass: "CouponNotFound",
        errorMessage: "coupon 7 does not exist in PostgreSQL",
        attempts: 3,
        firstFailureAt: failedAt,
        lastFailureAt: failedAt,
      },
    );
    await waitUntil(() => alerts.length === 1, { what: "the stream's dead letter to be alerted" });
    expect(alerts[0]).toMatchObject({ couponId: "7", errorClass: "CouponNotFound", attempts: 3 });
    const rows = await orm.em.fork().find(DeadLetter, { topic: key });
    expect(rows.map((row) => row.payload)).toEqual([event]);
    // Recorded, then acknowledged and deleted: the stream keeps nothing PostgreSQL holds.
    await waitUntil(async () => (await redis.xlen(key)) === 0, { what: "the entry deleted" });
  });
});
