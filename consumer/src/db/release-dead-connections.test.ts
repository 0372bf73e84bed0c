import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("connections that die inside a transaction", () => {
  it("go back to the pool, so a pool of one survives several and still closes", async () => {
    const orm = await createOrm({
      databaseUrl: database.url,
      poolSize: 1,
      connectTimeoutMs: 2_000,
      log: () => undefined,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const error = await orm.em
          .fork()
          .transactional(async (em) => {
            await em.execute("SELECT pg_terminate_backend(pg_backend_pid())");
          })
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ code: "57P01" });
      }
      // With the dead connections leaked, this would wait for a free connection until the timeout.
      expect(await orm.em.fork().execute("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    } finally {
      await orm.close();
    }
  });
});
