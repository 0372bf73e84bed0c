import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll } from "vitest";
import { migrate } from "../migrate.ts";
import { createOrm } from "../orm.ts";
import { createTemporaryDatabase, type TemporaryDatabase } from "./temporary-database.ts";

export interface MigratedDatabase {
  database: TemporaryDatabase;
  orm: MikroORM;
}

/**
 * For the test file that calls it: a temporary database with every migration applied and an ORM
 * on it, handed to `ready` before the tests; closed and dropped after them.
 */
export function useMigratedDatabase(ready: (fixture: MigratedDatabase) => void): void {
  let fixture: MigratedDatabase | undefined;
  beforeAll(async () => {
    const database = await createTemporaryDatabase();
    await migrate(database.url, { log: () => undefined });
    fixture = {
      database,
      orm: await createOrm({ databaseUrl: database.url, log: () => undefined }),
    };
    ready(fixture);
  });
  afterAll(async () => {
    await fixture?.orm.close();
    await fixture?.database.drop();
  });
}
