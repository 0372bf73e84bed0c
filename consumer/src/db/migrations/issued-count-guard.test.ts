import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { migrate } from "../migrate.ts";
import {
  createTemporaryDatabase,
  type TemporaryDatabase,
} from "../test-support/temporary-database.ts";

/**
 * The DB-level final check on its own, with plain SQL and no application code in the way: whatever a
 * writer does, PostgreSQL keeps `issued_count` equal to the rows and never above `total_quantity`.
 */
let database: TemporaryDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  database = await createTemporaryDatabase();
  await migrate(database.url, { log: () => undefined });
  pool = new pg.Pool({ connectionString: database.url, max: 12 });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

async function coupon(total: number): Promise<string> {
  const { rows } = await pool.query(
    "INSERT INTO coupon (name, total_quantity) VALUES ('guard', $1) RETURNING id::text",
    [total],
  );
  return rows[0].id;
}

const issue = (couponId: string, userId: number) =>
  pool.query(
    "INSERT INTO user_coupon (user_id, coupon_id, request_id, requested_at) VALUES ($1, $2, $3, now())",
    [userId, couponId, uuidV7()],
  );

async function state(couponId: string) {
  const { rows } = await pool.query(
    "SELECT (SELECT count(*)::int FROM user_coupon WHERE coupon_id = $1) AS rows, issued_count FROM coupon WHERE id = $1",
    [couponId],
  );
  return rows[0] as { rows: number; issued_count: number };
}

describe("the DB-level final check", () => {
  it("refuses an INSERT beyond total_quantity, bypassing the application", async () => {
    const id = await coupon(2);
    await issue(id, 1);
    await issue(id, 2);
    await expect(issue(id, 3)).rejects.toMatchObject({
      code: "23514",
      constraint: "coupon_issued_within_total",
    });
    expect(await state(id)).toEqual({ rows: 2, issued_count: 2 });
  });

  it("counts a statement of many rows once by its rows, and refuses all of one that would overfill", async () => {
    const id = await coupon(5);
    const insertMany = (firstUser: number, rows: number) =>
      pool.query(
        `INSERT INTO user_coupon (user_id, coupon_id, request_id, requested_at)
         SELECT $1::bigint + g, $2, gen_random_uuid(), now() FROM generate_series(1, $3::int) g`,
        [firstUser, id, rows],
      );
    await insertMany(0, 3);
    expect(await state(id)).toEqual({ rows: 3, issued_count: 3 });
    await expect(insertMany(100, 3)).rejects.toMatchObject({
      code: "23514",
      constraint: "coupon_issued_within_total",
    });
    expect(await state(id)).toEqual({ rows: 3, issued_count: 3 });
    await insertMany(200, 2);
    expect(await state(id)).toEqual({ rows: 5, issued_count: 5 });
  });

  it("lets exactly total_quantity of many concurrent raw INSERTs through", async () => {
    const id = await coupon(3);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => issue(id, 100 + i)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(await state(id)).toEqual({ rows: 3, issued_count: 3 });
  });

  it("refuses moving a row into a coupon that is full, and counts a move that fits", async () => {
    const full = await coupon(1);
    const other = await coupon(2);
    await issue(full, 1);
    await issue(other, 2);
    await expect(
      pool.query("UPDATE user_coupon SET coupon_id = $1 WHERE coupon_id = $2", [full, other]),
    ).rejects.toMatchObject({
      code: "23514",
    });
    const roomy = await coupon(5);
    await pool.query("UPDATE user_coupon SET coupon_id = $1 WHERE coupon_id = $2", [roomy, other]);
    expect(await state(other)).toEqual({ rows: 0, issued_count: 0 });
    expect(await state(roomy)).toEqual({ rows: 1, issued_count: 1 });
    // Touching the column without moving the row counts nothing, even on a full coupon.
    await pool.query("UPDATE user_coupon SET coupon_id = coupon_id WHERE coupon_id = $1", [full]);
    expect(await state(full)).toEqual({ rows: 1, issued_count: 1 });
  });

  it("gives the count back when a row is deleted", async () => {
    const id = await coupon(1);
    await issue(id, 1);
    await pool.query("DELETE FROM user_coupon WHERE coupon_id = $1", [id]);
    expect(await state(id)).toEqual({ rows: 0, issued_count: 0 });
    await issue(id, 2);
    expect(await state(id)).toEqual({ rows: 1, issued_count: 1 });
  });

  it("refuses a second row per (user, coupon) and per request id", async () => {
    const id = await coupon(5);
    const requestId = uuidV7();
    const insert = (userId: number, request: string) =>
      pool.query(
        "INSERT INTO user_coupon (user_id, coupon_id, request_id, requested_at) VALUES ($1, $2, $3, now())",
        [userId, id, request],
      );
    await insert(1, requestId);
    await expect(insert(1, uuidV7())).rejects.toMatchObject({
      code: "23505",
      constraint: "user_coupon_user_coupon_unique",
    });
    await expect(insert(2, requestId)).rejects.toMatchObject({
      code: "23505",
      constraint: "user_coupon_request_unique",
    });
    expect(await state(id)).toEqual({ rows: 1, issued_count: 1 });
  });

  it("refuses a coupon whose window ends before it starts, or with no stock", async () => {
    await expect(
      pool.query(
        "INSERT INTO coupon (name, total_quantity, starts_at, ends_at) VALUES ('w', 1, now(), now() - interval '1 s')",
      ),
    ).rejects.toMatchObject({ code: "23514", constraint: "coupon_window_ordered" });
    await expect(
      pool.query("INSERT INTO coupon (name, total_quantity) VALUES ('z', 0)"),
    ).rejects.toMatchObject({ code: "23514" });
  });
});
