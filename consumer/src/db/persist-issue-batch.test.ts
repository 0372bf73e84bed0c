import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { IssueEvent } from "#shared/issue-event.ts";
import { waitUntil } from "#test-support/wait.ts";
import { DatabaseError } from "./db-errors.ts";
import { createOrm } from "./orm.ts";
import { persistIssueBatch } from "./persist-issue-batch.ts";
import { couponState, insertCoupon, issueEvent } from "./test-support/issue-events.ts";
import { useMigratedDatabase } from "./test-support/migrated-database.ts";
import type { TemporaryDatabase } from "./test-support/temporary-database.ts";

let database: TemporaryDatabase;
let orm: MikroORM;
useMigratedDatabase((fixture) => ({ database, orm } = fixture));

const coupon = (total: number) => insertCoupon(orm.em, total);
const state = (couponId: string) => couponState(orm.em, couponId);
const users = (couponId: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => issueEvent(couponId, String(from + i)));
const kinds = (events: IssueEvent[], outcomes: Map<string, unknown>) =>
  events.map((e) => {
    const outcome = outcomes.get(e.requestId) as { kind: string; reason?: string } | undefined;
    return outcome?.kind === "failed" ? outcome.reason : outcome?.kind;
  });

/** A session of its own holding a coupon's row lock, the way a stuck transaction would. */
async function holdCouponLock(couponId: string) {
  const client = new pg.Client({ connectionString: database.url });
  client.on("error", () => undefined);
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT 1 FROM coupon WHERE id = $1 FOR UPDATE", [couponId]);
  return { release: () => client.query("ROLLBACK").then(() => client.end()) };
}

async function waitForLockWaiter(): Promise<number> {
  let pid: number | undefined;
  await waitUntil(
    async () => {
      const [row] = await orm.em.fork().execute<Array<{ pid: number }>>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'coupon-consumer'`,
      );
      pid = row?.pid;
      return pid !== undefined;
    },
    { timeoutMs: 10_000, intervalMs: 20, what: "a session waiting for the coupon lock" },
  );
  return pid as number;
}

describe("persistIssueBatch", () => {
  it("refuses a request made outside the coupon's window, for good, and issues the rest", async () => {
    const id = await coupon(5);
    await orm.em
      .fork()
      .execute(
        "UPDATE coupon SET starts_at = now() - interval '1 hour', ends_at = now() - interval '1 minute' WHERE id = ?",
        [id],
      );
    const inWindow = {
      ...issueEvent(id, "1"),
      requestedAt: new Date(Date.now() - 1_800_000).toISOString(),
    };
    const afterEnd = issueEvent(id, "2");
    const { outcomes } = await persistIssueBatch(orm, [inWindow, afterEnd]);
    expect(kinds([inWindow, afterEnd], outcomes)).toEqual(["issued", "OUTSIDE_WINDOW"]);
    expect(await state(id)).toEqual({ rows: 1, issuedCount: 1, failures: 1 });
    // Decided: a redelivery gets the same answer and writes nothing.
    const again = await persistIssueBatch(orm, [afterEnd]);
    expect(kinds([afterEnd], again.outcomes)).toEqual(["OUTSIDE_WINDOW"]);
    expect(await state(id)).toEqual({ rows: 1, issuedCount: 1, failures: 1 });
  });

  it("issues up to the total in event order and fails the rest SOLD_OUT, recording them", async () => {
    const id = await coupon(3);
    const events = users(id, 100, 5);
    const { outcomes, issuedCounts } = await persistIssueBatch(orm, events);
    expect(kinds(events, outcomes)).toEqual(["issued", "issued", "issued", "SOLD_OUT", "SOLD_OUT"]);
    expect([...outcomes.keys()]).toEqual(events.map((e) => e.requestId));
    expect(outcomes.get(events[0]?.requestId ?? "")).toEqual({
      kind: "issued",
      issuedAt: expect.any(Date),
    });
    expect(issuedCounts.get(id)).toBe(3);
    expect(await state(id)).toEqual({ rows: 3, issuedCount: 3, failures: 2 });
    const rows = await orm.em
      .fork()
      .execute<Array<{ user_id: string }>>(
        "SELECT user_id::text FROM user_coupon WHERE coupon_id = ? ORDER BY id",
        [id],
      );
    expect(rows.map((r) => r.user_id)).toEqual(["100", "101", "102"]);
  });

  it("changes nothing for a request id seen in an earlier batch", async () => {
    const id = await coupon(2);
    const [issued, soldOut] = [issueEvent(id, "1"), issueEvent(id, "2")];
    await persistIssueBatch(orm, [issued, issueEvent(id, "3"), soldOut]);
    const before = await state(id);
    const again = await persistIssueBatch(orm, [issueEvent(id, "4"), issued, soldOut]);
    expect(again.outcomes.get(issued.requestId)).toMatchObject({ kind: "issued" });
    expect(again.outcomes.get(soldOut.requestId)).toEqual({ kind: "failed", reason: "SOLD_OUT" });
    expect(await state(id)).toEqual({ ...before, failures: before.failures + 1 }); // only user 4's SOLD_OUT
    expect(before).toEqual({ rows: 2, issuedCount: 2, failures: 1 });
  });

  it("a user's second request fails ALREADY_ISSUED_TO_USER, in a later batch or the same one", async () => {
    const id = await coupon(5);
    const first = issueEvent(id, "9");
    const later = issueEvent(id, "9");
    const sameBatchA = issueEvent(id, "10");
    const sameBatchB = issueEvent(id, "10");
    await persistIssueBatch(orm, [first]);
    const { outcomes } = await persistIssueBatch(orm, [later, sameBatchA, sameBatchB]);
    expect(outcomes.get(later.requestId)).toEqual({
      kind: "failed",
      reason: "ALREADY_ISSUED_TO_USER",
      existingRequestId: first.requestId,
    });
    expect(outcomes.get(sameBatchA.requestId)).toMatchObject({ kind: "issued" });
    expect(outcomes.get(sameBatchB.requestId)).toEqual({
      kind: "failed",
      reason: "ALREADY_ISSUED_TO_USER",
      existingRequestId: sameBatchA.requestId,
    });
    expect(await state(id)).toEqual({ rows: 2, issuedCount: 2, failures: 2 });
  });

  it("replaying a whole batch gives the same outcomes and writes nothing", async () => {
    const id = await coupon(2);
    const events = [...users(id, 1, 3), issueEvent(id, "1")];
    const first = await persistIssueBatch(orm, events);
    const before = await state(id);
    const replay = await persistIssueBatch(orm, events);
    expect([...replay.outcomes]).toEqual([...first.outcomes]);
    expect(replay.issuedCounts).toEqual(first.issuedCounts);
    expect(await state(id)).toEqual(before);
    expect(before).toEqual({ rows: 2, issuedCount: 2, failures: 2 });
  });

  it("the same record twice in one batch is decided once", async () => {
    const id = await coupon(5);
    const event = issueEvent(id, "1");
    const { outcomes } = await persistIssueBatch(orm, [event, event]);
    expect(outcomes.size).toBe(1);
    expect(await state(id)).toEqual({ rows: 1, issuedCount: 1, failures: 0 });
  });

  it("answers coupon-not-found for a coupon PostgreSQL lacks, writes nothing for it, and goes on with the rest", async () => {
    const id = await coupon(1);
    const missing = issueEvent("987654321012", "1");
    const known = issueEvent(id, "1");
    const { outcomes, issuedCounts } = await persistIssueBatch(orm, [missing, known]);
    expect(outcomes.get(missing.requestId)).toEqual({ kind: "coupon-not-found" });
    expect(outcomes.get(known.requestId)).toMatchObject({ kind: "issued" });
    expect(issuedCounts.has("987654321012")).toBe(false);
    const [written] = await orm.em
      .fork()
      .execute<Array<{ n: number }>>(
        "SELECT (SELECT count(*) FROM user_coupon WHERE request_id = ?) + (SELECT count(*) FROM issue_failure WHERE request_id = ?) AS n",
        [missing.requestId, missing.requestId],
      );
    expect(Number(written?.n)).toBe(0);
  });

  it("concurrent batches for one coupon never exceed its total, and every request gets one outcome", async () => {
    const id = await coupon(50);
    const batches = Array.from({ length: 6 }, (_, b) => users(id, 1000 + b * 20, 20));
    const results = await Promise.all(batches.map((batch) => persistIssueBatch(orm, batch)));
    expect(await state(id)).toEqual({ rows: 50, issuedCount: 50, failures: 70 });
    const issued = results
      .flatMap((r) => [...r.outcomes.values()])
      .filter((o) => o.kind === "issued");
    expect(issued).toHaveLength(50);
  });

  it("surfaces a connection terminated mid-batch as retriable, writes nothing, and the retry goes through", async () => {
    const id = await coupon(3);
    const lock = await holdCouponLock(id);
    const events = users(id, 1, 2);
    const attempt = persistIssueBatch(orm, events).catch((error: unknown) => error);
    await orm.em.fork().execute("SELECT pg_terminate_backend(?)", [await waitForLockWaiter()]);
    const error = await attempt;
    await lock.release();
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ retriable: true });
    expect(await state(id)).toEqual({ rows: 0, issuedCount: 0, failures: 0 });
    const retry = await persistIssueBatch(orm, events);
    expect(kinds(events, retry.outcomes)).toEqual(["issued", "issued"]);
  });

  it("gives up waiting for a coupon another transaction holds, retriably", async () => {
    const impatient = await createOrm({
      databaseUrl: database.url,
      lockTimeoutMs: 200,
      log: () => undefined,
    });
    const id = await coupon(3);
    const lock = await holdCouponLock(id);
    try {
      const error = await persistIssueBatch(impatient, [issueEvent(id, "1")]).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: "DatabaseError", retriable: true, code: "55P03" });
    } finally {
      await lock.release();
      await impatient.close();
    }
  });

  it("fails permanently on what PostgreSQL will never accept", async () => {
    const id = await coupon(3);
    const error = await persistIssueBatch(orm, [issueEvent(id, "1", "not-a-uuid")]).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "DatabaseError", retriable: false, code: "22P02" });
    expect(await state(id)).toEqual({ rows: 0, issuedCount: 0, failures: 0 });
  });

  it("persists a batch of 500 events", async () => {
    const id = await coupon(400);
    const events = users(id, 1, 500);
    const started = performance.now();
    const { outcomes } = await persistIssueBatch(orm, events);
    const ms = performance.now() - started;
    console.log(`persistIssueBatch: 500 events (400 issued, 100 SOLD_OUT) in ${ms.toFixed(1)} ms`);
    const replayStarted = performance.now();
    await persistIssueBatch(orm, events);
    console.log(
      `persistIssueBatch: the same 500 events replayed in ${(performance.now() - replayStarted).toFixed(1)} ms`,
    );
    expect([...outcomes.values()].filter((o) => o.kind === "issued")).toHaveLength(400);
    expect(await state(id)).toEqual({ rows: 400, issuedCount: 400, failures: 100 });
  });
});
