import { type Admin, Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { migrate } from "#consumer/db/migrate.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "#consumer/db/test-support/temporary-database.ts";
import { DLT_HEADERS } from "#consumer/dead-letter/dead-letter-headers.ts";
import { DLT_MONITOR_GROUP, ISSUE_REQUEST_PARTITIONS, TOPICS } from "#shared/defaults.ts";
import { type AlertWebhook, startAlertWebhook } from "../support/alert-webhook.ts";
import { waitForGroupCaughtUp } from "../support/kafka-lag.ts";
import { type OwnBroker, startOwnBroker } from "../support/own-broker.ts";
import { recreateTopics } from "../support/recreate-topics.ts";
import { signedHeaders } from "../support/signed-records.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { waitUntil } from "../support/wait.ts";

// Issue 13: offsets are positions in one incarnation of a topic. A fresh broker (or a topic deleted
// and created again) counts from 0 again while PostgreSQL keeps its dead letters, and a new dead
// letter at an old offset must still be recorded and alerted, while a redelivered DLT record adds
// nothing. Everything here is the scenario's own: its broker (whose topics it recreates), its
// database (kept across the two incarnations), its webhook.

interface LetterRow {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  letter_key: string;
}

describe("fault: topics recreated while PostgreSQL keeps its dead letters", () => {
  const run = crypto.randomUUID();
  let broker: OwnBroker;
  let database: TemporaryDatabase;
  let db: pg.Pool;
  let kafka: Kafka;
  let admin: Admin;
  let webhook: AlertWebhook;
  let system: SystemUnderTest | undefined;

  beforeAll(async () => {
    broker = await startOwnBroker("fault-dead-letter-identity");
    database = await createTemporaryDatabase(inject("testEnv").DATABASE_URL);
    await migrate(database.url, { log: () => undefined });
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    kafka = new Kafka({
      clientId: "dead-letter-identity",
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    webhook = await startAlertWebhook();
  });
  afterAll(async () => {
    await system?.stop();
    await admin?.disconnect();
    await db?.end();
    await broker?.stop();
    await database?.drop();
    await webhook?.close();
  });

  const startOurSystem = () =>
    startSystem({
      workers: 1,
      infra: { KAFKA_BROKERS: broker.brokers.join(","), DATABASE_URL: database.url },
      extraEnv: { control: { ALERT_WEBHOOK_URL: webhook.url } },
    });

  async function send(
    topic: string,
    message: { partition: number; key: string; value: string; headers?: Record<string, string> },
  ) {
    const producer = kafka.producer();
    await producer.connect();
    try {
      const [written] = await producer.send({ topic, acks: -1, messages: [message] });
      return written?.baseOffset;
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * A record no worker can decode (signed, so that it gets that far), on partition 0 of the issue
   * topic: dead-lettered at once.
   */
  const poison = async (name: string) => {
    const record = {
      topic: TOPICS.issueRequests,
      key: `poison:${run}`,
      value: `{"${name} of ${run}`,
    };
    return send(TOPICS.issueRequests, {
      partition: 0,
      key: record.key,
      value: record.value,
      headers: signedHeaders(record),
    });
  };

  /** A DLT record as a worker wrote it before workers named their dead letters (no key header). */
  const oldWorkerLetter = (name: string, partition: number, lastFailureAt: string) =>
    send(TOPICS.issueRequestsDlt, {
      partition,
      key: `poison:${run}`,
      value: `{"${name} of ${run}`,
      headers: {
        [DLT_HEADERS.originalTopic]: TOPICS.issueRequests,
        [DLT_HEADERS.originalPartition]: "1",
        [DLT_HEADERS.originalOffset]: "0",
        [DLT_HEADERS.attempts]: "1",
        [DLT_HEADERS.errorClass]: "InvalidJson",
        [DLT_HEADERS.errorMessage]: "Unexpected end of JSON input",
        [DLT_HEADERS.firstFailureAt]: lastFailureAt,
        [DLT_HEADERS.lastFailureAt]: lastFailureAt,
      },
    });

  async function recorded(name: string): Promise<LetterRow> {
    let row: LetterRow | undefined;
    await waitUntil(
      async () => {
        const { rows } = await db.query<LetterRow>(
          `SELECT id::text, topic, partition, "offset"::text AS offset, letter_key FROM dead_letter
            WHERE payload = $1`,
          [`{"${name} of ${run}`],
        );
        [row] = rows;
        return rows.length > 0;
      },
      { timeoutMs: 60_000, what: `the dead letter "${name}" to be recorded` },
    );
    return row as LetterRow;
  }

  const deadLetterCount = async () =>
    Number((await db.query("SELECT count(*)::int AS n FROM dead_letter")).rows[0].n);

  it("records and alerts both dead letters at a repeated offset, and nothing for a redelivered DLT record", async () => {
    // First incarnation of the topics.
    system = await startOurSystem();
    expect(await poison("first poison")).toBe("0");
    const first = await recorded("first poison");
    expect(first).toMatchObject({ topic: TOPICS.issueRequestsDlt, offset: "0" });
    // An older worker's letter on another DLT partition, also at its offset 0.
    const other = (first.partition + 1) % ISSUE_REQUEST_PARTITIONS;
    expect(await oldWorkerLetter("first old letter", other, "2026-11-25T05:00:00.000Z")).toBe("0");
    const firstOld = await recorded("first old letter");
    const dltMonitor = { groupId: DLT_MONITOR_GROUP, topics: [TOPICS.issueRequestsDlt] };
    await waitForGroupCaughtUp(broker.brokers, DLT_MONITOR_GROUP, {
      topic: TOPICS.issueRequestsDlt,
      timeoutMs: 60_000,
    });
    await system.stop();
    system = undefined;

    // The topics deleted and created again: offsets start from 0; the database is kept. The
    // monitor's committed offsets went with the old topic, so it reads the new one from its start.
    await recreateTopics(admin);
    const [committed] = await admin.fetchOffsets(dltMonitor);
    expect(committed?.partitions.map((p) => p.offset)).toEqual(
      Array(ISSUE_REQUEST_PARTITIONS).fill("-1"),
    );
    system = await startOurSystem();
    expect(await poison("second poison")).toBe("0");
    const second = await recorded("second poison");
    expect(await oldWorkerLetter("second old letter", other, "2026-11-26T09:30:00.000Z")).toBe("0");
    const secondOld = await recorded("second old letter");

    // Same topic, partition and offset as before, and still new dead letters of their own.
    const where = ({ topic, partition, offset }: LetterRow) => ({ topic, partition, offset });
    expect(where(second)).toEqual(where(first));
    expect(where(secondOld)).toEqual(where(firstOld));
    const letters = [first, firstOld, second, secondOld];
    expect(new Set(letters.map((l) => l.id)).size).toBe(4);
    expect(new Set(letters.map((l) => l.letter_key)).size).toBe(4);
    expect(await deadLetterCount()).toBe(4);
    const alerted = () => webhook.alertedIds().sort();
    await waitUntil(() => alerted().length >= 4, { what: "every dead letter alerted" });
    expect(alerted()).toEqual(letters.map((l) => l.id).sort());

    // The monitor reads the DLT again from the start (its group's offsets reset, as an operator
    // would): every record redelivered, nothing recorded or alerted again.
    await system.process("control").stop();
    await admin.setOffsets({
      groupId: DLT_MONITOR_GROUP,
      topic: TOPICS.issueRequestsDlt,
      partitions: Array.from({ length: ISSUE_REQUEST_PARTITIONS }, (_, partition) => ({
        partition,
        offset: "0",
      })),
    });
    await system.process("control").restart();
    await waitForGroupCaughtUp(broker.brokers, DLT_MONITOR_GROUP, {
      topic: TOPICS.issueRequestsDlt,
      timeoutMs: 60_000,
    });
    expect(await deadLetterCount()).toBe(4);
    expect(alerted()).toEqual(letters.map((l) => l.id).sort());
  }, 300_000);
});
