import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "#test-support/wait.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/migration-list.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "./test-support/temporary-database.ts";

const quiet = { log: () => undefined };
let database: TemporaryDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const applied = (url: string) =>
  query<{ name: string; executed_at: Date }>(
    url,
    "SELECT name, executed_at FROM mikro_orm_migrations ORDER BY id",
  );

describe("migrate", () => {
  it("applies every migration once when several processes migrate at the same time", async () => {
    database = await createTemporaryDatabase();
    await Promise.all(
      Array.from({ length: 4 }, () => migrate((database as TemporaryDatabase).url, quiet)),
    );
    expect((await applied(database.url)).map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    const tables = await query<{ table_name: string }>(
      database.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      "coupon",
      "dead_letter",
      "issue_failure",
      "mikro_orm_migrations",
      "user_coupon",
    ]);
  });

  it("changes nothing on an up-to-date database", async () => {
    database = await createTemporaryDatabase();
    await migrate(database.url, quiet);
    const before = await applied(database.url);
    await migrate(database.url, quiet);
    expect(await applied(database.url)).toEqual(before);
  });

  it("waits while another process holds the migration lock", async () => {
    database = await createTemporaryDatabase();
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(727274)");
      let finished = false;
      const running = migrate(database.url, quiet).then(() => {
        finished = true;
      });
      // The migration is blocked once its session waits for the lock the holder has.
      await waitUntil(
        async () => {
          const { rows } = await holder.query(
            `SELECT 1 FROM pg_locks
              WHERE locktype = 'advisory' AND objid = 727274 AND NOT granted
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          return rows.length > 0;
        },
        { timeoutMs: 10_000, what: "the migration to wait for the lock" },
      );
      expect(finished).toBe(false);
      expect(await query(database.url, "SELECT to_regclass('coupon') AS t")).toEqual([{ t: null }]);
      await holder.query("SELECT pg_advisory_unlock(727274)");
      await running;
      expect(finished).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
