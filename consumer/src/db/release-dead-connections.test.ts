import { MikroORM } from "@mikro-orm/postgresql";
import type { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Coupon } from "./entities/coupon.ts";
import { migrate } from "./migrate.ts";
import { createOrm } from "./orm.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "./test-support/temporary-database.ts";

let database: TemporaryDatabase;
beforeAll(async () => {
  database = await createTemporaryDatabase();
  await migrate(database.url, { log: () => undefined });
});
afterAll(() => database?.drop());

/** A transaction whose connection PostgreSQL terminates inside it; resolves with what it threw. */
async function dieInTransaction(orm: MikroORM): Promise<unknown> {
  return orm.em
    .fork()
    .transactional(async (em) => {
      await em.execute("SELECT pg_terminate_backend(pg_backend_pid())");
    })
    .catch((e: unknown) => e);
}

describe("connections that die inside a transaction", () => {
  it("leak from the pool of a plain MikroORM (the reason for releaseDeadConnections)", async () => {
    // The same stack as createOrm (MikroORM 7, Kysely's controlled transactions, pg-pool), without
    // the hook. Should this test fail, the libraries give such connections back by themselves now,
    // and release-dead-connections.ts can go.
    const orm = await MikroORM.init({
      clientUrl: database.url,
      entities: [Coupon],
      pool: { min: 0, max: 1 },
      driverOptions: { connectionTimeoutMillis: 1_000 },
      allowGlobalContext: false,
      logger: () => undefined,
      ensureDatabase: false,
    });
    const pool = (await orm.driver.getConnection().getNativeClient()) as Pool;
    expect(await dieInTransaction(orm)).toMatchObject({ code: "57P01" });
    // Its client is still checked out, though dead, and nobody will ever release it.
    expect({ total: pool.totalCount, idle: pool.idleCount }).toEqual({ total: 1, idle: 0 });
    await expect(orm.em.fork().execute("SELECT 1")).rejects.toThrow(
      /timeout exceeded when trying to connect/,
    );
    // Not awaited: closing waits for the leaked client's release, which never comes.
    void orm.close().catch(() => undefined);
  });

  it("go back to the pool of createOrm, so a pool of one survives several and still closes", async () => {
    const orm = await createOrm({
      databaseUrl: database.url,
      poolSize: 1,
      connectTimeoutMs: 2_000,
      log: () => undefined,
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect(await dieInTransaction(orm)).toMatchObject({ code: "57P01" });
      }
      // With the dead connections leaked, this would wait for a free connection until the timeout.
      expect(await orm.em.fork().execute("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    } finally {
      await orm.close();
    }
  });
});
