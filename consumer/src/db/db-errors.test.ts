import {
  CheckConstraintViolationException,
  DeadlockException,
  DriverException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from "@mikro-orm/core";
import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import {
  classifyingDbErrors,
  DatabaseError,
  isTransientDbError,
  TRANSIENT_MESSAGES,
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
    (error: unknown) => error,
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

  // By type first: MikroORM's exception classes decide before a code or a message is read.
  it.each([
    ["a deadlock", new DeadlockException(new Error("deadlock detected"))],
    ["a lock wait timeout", new LockWaitTimeoutException(new Error("lock timeout"))],
  ])("%s is transient by its type", (_what, error) => {
    expect(isTransientDbError(error)).toBe(true);
  });

  it("a constraint violation is permanent by its type, whatever its message says", () => {
    const violation = new CheckConstraintViolationException(
      new Error("connection terminated while checking"),
    );
    expect(isTransientDbError(violation)).toBe(false);
    expect(isTransientDbError(new UniqueConstraintViolationException(new Error("x")))).toBe(false);
  });

  it("an exception of no deciding type falls back to its SQLSTATE", () => {
    const lockTimeout = new DriverException(Object.assign(new Error("x"), { code: "55P03" }));
    expect(isTransientDbError(lockTimeout)).toBe(true);
    expect(toDatabaseError(lockTimeout)).toMatchObject({ retriable: true, code: "55P03" });
  });

  // Message patterns come last, for what the drivers raise without a code. One example each, as the
  // driver words it; the next test keeps a pattern from going unpinned.
  const MESSAGE_EXAMPLES = [
    "Connection terminated unexpectedly", // pg: the server went away under a query
    "Connection terminated due to connection timeout", // pg-pool
    "terminating connection due to administrator command", // PostgreSQL 57P01, relayed without its code
    "timeout exceeded when trying to connect", // pg-pool
    "Client was closed and is not queryable", // pg
    "Client has encountered a connection error and is not queryable", // pg
    "Connection closed", // a socket closed under the driver
    "The connection ended without ever completing the connection", // a connect cut short
    "Connection lost: The server closed the connection.", // a connection dropped by the network
    "driver has already been destroyed", // Kysely, under MikroORM, after the ORM closed
    'database "coupon" is not currently accepting connections', // PostgreSQL 55000 (ALLOW_CONNECTIONS false)
  ];

  it.each(MESSAGE_EXAMPLES)("%s is transient by its message alone", (message) => {
    expect(isTransientDbError(new Error(message))).toBe(true);
  });

  it("pins every message pattern with an example", () => {
    for (const pattern of TRANSIENT_MESSAGES)
      expect(
        MESSAGE_EXAMPLES.some((message) => pattern.test(message)),
        `${pattern} has no example`,
      ).toBe(true);
  });

  it("is part of the error hierarchy, its verdict set by its constructor", () => {
    const cause = Object.assign(new Error("deadlock detected"), { code: "40P01" });
    const error = toDatabaseError(cause);
    expect(error).toBeInstanceOf(CouponDropError);
    expect(error).toMatchObject({ name: "DatabaseError", retriable: true, code: "40P01", cause });
  });

  it("keeps a DatabaseError's own verdict", () => {
    const decided = new DatabaseError("changed under the lock", { retriable: true });
    expect(toDatabaseError(decided)).toBe(decided);
    expect(toDatabaseError(new Error("x", { cause: decided })).retriable).toBe(true);
  });
});
