import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCoupon, startDrop } from "../support/coupon-drop.ts";
import { createGraphqlClient } from "../support/graphql-client.ts";
import { statusOf } from "../support/invariants.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { type SystemNames, uniqueSystemNames } from "../support/unique-name.ts";
import { waitUntil } from "../support/wait.ts";

/**
 * An issue worker frozen (a VM paused, a stop-the-world pause) past its session timeout while a
 * batch is in its hands: the group moves on without it, and when it thaws its commit is refused.
 * kafkajs gives such a consumer up for good; the process must not stay up consuming nothing.
 */
describe("fault: an issue worker frozen past its session timeout with a batch in hand", () => {
  const names: SystemNames = uniqueSystemNames();
  let system: SystemUnderTest;
  let db: pg.Pool;
  beforeAll(async () => {
    system = await startSystem({ workers: 1, streamWorkers: 0, names });
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 3 });
  });
  afterAll(async () => {
    await db?.end();
    await system?.stop();
  });

  it("exits rather than stay up as a member of nothing, and once started again issues every request", async () => {
    const gql = createGraphqlClient(system.graphqlUrl);
    const couponId = await createCoupon(gql, 5, "KAFKA");
    const worker = system.process("worker-1");
    const admin = new Kafka({
      clientId: "frozen-worker-test",
      brokers: system.env.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    // The coupon's row held: the worker's batch stops in PostgreSQL, fetched and not committed.
    const holder = await db.connect();
    let known = new Map<string, string>();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM coupon WHERE id = $1 FOR UPDATE", [couponId]);
      const drop = await startDrop(gql, { couponId, users: 3, twice: 0 }).done;
      expect(drop.accepted).toBe(3);
      known = drop.known;
      await waitUntil(
        async () =>
          (
            await db.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
            )
          ).rows[0].n > 0,
        { timeoutMs: 30_000, what: "the worker's batch to wait for the coupon's row" },
      );
      await worker.signal("SIGSTOP");
      await waitUntil(
        async () => {
          const { groups } = await admin.describeGroups([names.consumerGroup]);
          return groups[0]?.members.length === 0;
        },
        { timeoutMs: 60_000, what: "the group to drop the frozen member" },
      );
      await holder.query("ROLLBACK");
    } finally {
      holder.release();
      await admin.disconnect();
    }
    await worker.signal("SIGCONT");

    await waitUntil(() => !worker.running, {
      timeoutMs: 60_000,
      what: "the worker whose consumer was given up to exit",
    });
    expect(system.lines.join("\n")).toMatch(
      /\[worker-1\].*cannot go on: its Kafka consumer stopped for good/,
    );

    // What its supervisor does: a fresh member, which gets the batch again and decides it once.
    await worker.restart();
    await waitUntil(
      async () =>
        (
          await db.query("SELECT count(*)::int AS n FROM user_coupon WHERE coupon_id = $1", [
            couponId,
          ])
        ).rows[0].n === 3,
      { timeoutMs: 60_000, what: "the three requests persisted" },
    );
    for (const [requestId, userId] of known)
      expect(await statusOf(gql, requestId, userId)).toBe("ISSUED");
  }, 240_000);
});
