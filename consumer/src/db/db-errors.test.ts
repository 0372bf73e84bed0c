import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  classifyingDbErrors,
  DatabaseError,
  isTransientDbError,
  toDatabaseError,
} from "./db-errors.ts";
import { createOrm } from "./orm.ts";
import { useMigratedDatabase } from "./test-support/migrated-database.ts";
import type { TemporaryDatabase } from "./test-support/temporary-database.ts";

let database: TemporaryDatabase;
let orm: MikroORM;
useMigratedDatabase((fixture) => ({ database, orm } = fixture));

const failureOf = (work: () => Promise<unknown>) =>
  classifyingDbErrors(work).then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error as DatabaseError,
  );

describe("database errors against a real PostgreSQL", () => {
  it("a connection terminated under a running statement is retriable", async () => {
    const error = await failureOf(() =>
      orm.em
        .fork()
        .transactional((em) => em.execute("SELECT pg_terminate_backend(pg_backend_pid())")),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ retriable: true, code: "57P01" });
  });

  it("a connection terminated while idle in a transaction is retriable on its next statement", async () => {
    const client = new pg.Client({ connectionString: database.url });
    client.on("error", () => undefined);
    await client.connect();
    await client.query("BEGIN");
    const { rows } = await client.query("SELECT pg_backend_pid() AS pid");
    await orm.em.fork().execute("SELECT pg_terminate_backend(?)", [rows[0].pid]);
    const error = await client.query("SELECT 1").catch((e: unknown) => e);
    await client.end().catch(() => undefined);
    expect(isTransientDbError(error)).toBe(true);
    expect(toDatabaseError(error).retriable).toBe(true);
  });

  it("a server that refuses connections is retriable", async () => {
    const nowhere = new URL(database.url);
    nowhere.port = "1";
    const error = await failureOf(async () => {
      const unreachable = await createOrm({
        databaseUrl: nowhere.toString(),
        log: () => undefined,
      });
      try {
        await unreachable.em.fork().execute("SELECT 1");
      } finally {
        await unreachable.close();
      }
    });
    expect(error).toMatchObject({ name: "DatabaseError", retriable: true });
  });

  it("a database closed to connections for a while is retriable", async () => {
    await database.acceptConnections(false);
    try {
      const error = await failureOf(async () => {
        const client = new pg.Client({ connectionString: database.url });
        try {
          await client.connect();
        } finally {
          await client.end().catch(() => undefined);
        }
      });
      expect(error).toMatchObject({ name: "DatabaseError", retriable: true });
    } finally {
      await database.acceptConnections(true);
    }
  });

  it("constraint violations and bad SQL are permanent, with their SQLSTATE", async () => {
    const check = await failureOf(() =>
      orm.em.fork().execute("INSERT INTO coupon (name, total_quantity) VALUES ('x', 0)"),
    );
    expect(check).toMatchObject({ retriable: false, code: "23514" });
    const missingCoupon = await failureOf(() =>
      orm.em
        .fork()
        .execute(
          "INSERT INTO user_coupon (user_id, coupon_id, request_id, requested_at) VALUES (1, 987654321, gen_random_uuid(), now())",
        ),
    );
    expect(missingCoupon).toMatchObject({ retriable: false, code: "23503" });
    const syntax = await failureOf(() => orm.em.fork().execute("SELEC 1"));
    expect(syntax).toMatchObject({ retriable: false, code: "42601" });
  });

  it("a statement cancelled by statement_timeout is retriable", async () => {
    const impatient = await createOrm({
      databaseUrl: database.url,
      statementTimeoutMs: 100,
      log: () => undefined,
    });
    try {
      const error = await failureOf(() => impatient.em.fork().execute("SELECT pg_sleep(2)"));
      expect(error).toMatchObject({ retriable: true, code: "57014" });
    } finally {
      await impatient.close();
    }
  });
});

describe("the classifier", () => {
  it.each([
    ["serialization failure", { code: "40001" }],
    ["deadlock", { code: "40P01" }],
    ["admin shutdown", { code: "57P01" }],
    ["any connection exception", { code: "08006" }],
    ["too many connections", { code: "53300" }],
    ["a refused socket", { code: "ECONNREFUSED" }],
    ["a lost connection without a code", new Error("Connection terminated unexpectedly")],
    ["a pool that could not connect in time", new Error("timeout exceeded when trying to connect")],
    ["a wrapped cause", new Error("batch failed", { cause: { code: "40P01" } })],
    [
      "a dual-stack connect",
      new AggregateError([{ code: "ECONNREFUSED" }, { code: "ECONNREFUSED" }]),
    ],
  ])("%s is transient", (_what, error) => {
    expect(isTransientDbError(error)).toBe(true);
  });

  it.each([
    ["a unique violation", { code: "23505" }],
    ["an undefined table", { code: "42P01" }],
    ["bad input", { code: "22P02" }],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
    ["nothing at all", undefined],
  ])("%s is permanent", (_what, error) => {
    expect(isTransientDbError(error)).toBe(false);
  });

  it("keeps a DatabaseError's own verdict", () => {
    const decided = new DatabaseError("changed under the lock", { retriable: true });
    expect(toDatabaseError(decided)).toBe(decided);
    expect(toDatabaseError(new Error("x", { cause: decided })).retriable).toBe(true);
  });
});
