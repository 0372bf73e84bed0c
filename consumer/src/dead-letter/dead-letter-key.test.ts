import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../db/migrate.ts";
import { createOrm } from "../db/orm.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "../db/test-support/temporary-database.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import {
  type DltRecordIdentity,
  deadLetterKeyOf,
  legacyDeadLetterKey,
  newDeadLetterKey,
} from "./dead-letter-key.ts";

const at = (offset: string, headers: Record<string, string> = {}): DltRecordIdentity => ({
  topic: "coupon-issue-requests.DLT",
  partition: 2,
  offset,
  headers,
});

describe("the dead-letter key", () => {
  it("is the name the worker gave the record, wherever it was read", () => {
    const key = newDeadLetterKey();
    const headers = { [DLT_HEADERS.deadLetterKey]: key };
    expect(deadLetterKeyOf(at("0", headers))).toBe(key);
    expect(deadLetterKeyOf({ ...at("7", headers), partition: 0 })).toBe(key);
    expect(newDeadLetterKey()).not.toBe(key);
  });

  it("for a record of an older worker: its coordinates and the time its worker stamped on it", () => {
    const old = (offset: string, lastFailureAt: string) =>
      at(offset, { [DLT_HEADERS.lastFailureAt]: lastFailureAt, [DLT_HEADERS.attempts]: "3" });
    const first = deadLetterKeyOf(old("0", "2026-11-25T05:00:01.500Z"));
    expect(first).toBe("legacy:coupon-issue-requests.DLT/2/0/2026-11-25T05:00:01.500Z");
    // The same record read again: the same key. Another record at the same offset: another key.
    expect(deadLetterKeyOf(old("0", "2026-11-25T05:00:01.500Z"))).toBe(first);
    expect(deadLetterKeyOf(old("0", "2026-11-26T09:30:00.000Z"))).not.toBe(first);
    expect(deadLetterKeyOf(old("1", "2026-11-25T05:00:01.500Z"))).not.toBe(first);
    // A header that is not a key the worker wrote does not name the record.
    const forged = { ...old("0", "2026-11-25T05:00:01.500Z").headers, "x-dead-letter-key": "x" };
    expect(deadLetterKeyOf(at("0", forged))).toBe(first);
  });
});

describe("migration 0003-dead-letter-key on a table with dead letters", () => {
  let database: TemporaryDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTemporaryDatabase();
    const orm = await createOrm({ databaseUrl: database.url, poolSize: 1, log: () => undefined });
    try {
      await orm.migrator.up({ to: "0002-issued-count-follows-rows" });
    } finally {
      await orm.close();
    }
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  const insertOld = (partition: number, offset: string, headers: Record<string, string>) =>
    client.query(
      `INSERT INTO dead_letter (topic, partition, "offset", headers, error_class, error_message)
       VALUES ('coupon-issue-requests.DLT', $1, $2, $3::jsonb, 'InvalidJson', 'bad') RETURNING id::text`,
      [partition, offset, JSON.stringify(headers)],
    );

  it("keeps every row, keyed as a redelivery of its record will be, and lets offsets repeat", async () => {
    const stamped = { [DLT_HEADERS.lastFailureAt]: "2026-11-25T05:00:01.500Z", "x-attempts": "1" };
    await insertOld(2, "0", stamped);
    await insertOld(2, "9007199254740993", stamped);
    await insertOld(0, "0", {}); // no worker's headers at all
    await migrate(database.url, { log: () => undefined });

    const { rows } = await client.query(
      `SELECT topic, partition, "offset"::text AS offset, headers, letter_key FROM dead_letter ORDER BY id`,
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const record = { topic: row.topic, partition: row.partition, offset: row.offset };
      expect(row.letter_key).toBe(legacyDeadLetterKey({ ...record, headers: row.headers }));
      expect(row.letter_key).toBe(deadLetterKeyOf({ ...record, headers: row.headers }));
    }

    // The same offset again, with another key: a new dead letter. The same key again: refused.
    const insertKeyed = (key: string) =>
      client.query(
        `INSERT INTO dead_letter (letter_key, topic, partition, "offset", error_class, error_message)
         VALUES ($1, 'coupon-issue-requests.DLT', 2, 0, 'InvalidJson', 'bad')`,
        [key],
      );
    await insertKeyed(newDeadLetterKey());
    await expect(insertKeyed(rows[0].letter_key)).rejects.toMatchObject({
      code: "23505",
      constraint: "dead_letter_letter_key_unique",
    });
    await expect(
      client.query(
        `INSERT INTO dead_letter (topic, partition, "offset", error_class, error_message)
         VALUES ('coupon-issue-requests.DLT', 2, 1, 'InvalidJson', 'bad')`,
      ),
    ).rejects.toMatchObject({ code: "23502" });
  });
});
