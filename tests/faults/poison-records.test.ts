import { Redis } from "ioredis";
import { Kafka, logLevel, type Producer } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSUMER_GROUP, STREAM_DEFAULTS, TOPICS } from "#shared/defaults.ts";
import { encodeIssueEvent, issueEventKey } from "#shared/issue-event.ts";
import { DEFAULT_REDIS_KEYS } from "#shared/redis/keys.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { type AlertWebhook, startAlertWebhook } from "../support/alert-webhook.ts";
import { deadLettersCli } from "../support/dead-letters-cli.ts";
import { createGraphqlClient } from "../support/graphql-client.ts";
import { expectInvariantsHold } from "../support/invariants.ts";
import { waitForGroupCaughtUp } from "../support/kafka-lag.ts";
import { signedHeaders } from "../support/signed-records.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { waitUntil } from "../support/wait.ts";
import { dropUnderFault, FAST_RECONCILER } from "./fault-harness.ts";

describe("fault: poison records mixed into the topic mid-drop", () => {
  let system: SystemUnderTest;
  let webhook: AlertWebhook;
  let producer: Producer;
  let db: pg.Pool;

  beforeAll(async () => {
    webhook = await startAlertWebhook();
    system = await startSystem({
      extraEnv: {
        control: { ...FAST_RECONCILER, ALERT_WEBHOOK_URL: webhook.url },
      },
    });
    const kafka = new Kafka({
      clientId: "poison-test",
      brokers: system.env.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer();
    await producer.connect();
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
  });
  const maxDeadLetterId = async () =>
    String((await db.query("SELECT coalesce(max(id), 0)::text AS id FROM dead_letter")).rows[0].id);
  afterAll(async () => {
    await producer?.disconnect();
    await db?.end();
    await system?.stop();
    await webhook?.close();
  });

  it("dead-letters them, records and alerts, keeps the partition flowing, and replays once fixed", async () => {
    // A coupon id PostgreSQL does not have yet: the event for it fails until the coupon is created.
    const { rows: maxRows } = await db.query(
      "SELECT coalesce(max(id), 0)::bigint + 1000 AS id FROM coupon",
    );
    const missingCoupon = String(maxRows[0].id);
    const orphan = {
      requestId: uuidV7(),
      userId: "4242",
      couponId: missingCoupon,
      requestedAt: new Date().toISOString(),
      source: "API" as const,
    };
    const poison = [
      `{"requestId": "not json at all`,
      JSON.stringify({ hello: "a well-formed record of the wrong shape" }),
      encodeIssueEvent(orphan),
    ];

    const { report } = await dropUnderFault({
      scenario: "poison records",
      system,
      fault: async (couponId) => {
        // On the drop's own partition, between its requests. Signed, as by a gateway with a bug:
        // past the signature check, poison for what they hold.
        const key = issueEventKey(couponId);
        const messages = await Promise.all(
          poison.map(async (value) => ({
            key,
            value,
            headers: signedHeaders(
              { topic: TOPICS.issueRequests, key, value },
              system.env.EVENT_SIGNING_KEY,
            ),
          })),
        );
        await producer.send({ topic: TOPICS.issueRequests, messages });
        return Date.now();
      },
    });
    expectInvariantsHold(report);
    expect(report.failedWithCompensation).toBe(0);
    expect(report.rows).toBe(150);

    // The monitor recorded each one, with the error, and alerted through the webhook.
    let deadLetters: Array<{ id: string; payload: string; error_class: string; attempts: number }> =
      [];
    await waitUntil(
      async () => {
        ({ rows: deadLetters } = await db.query(
          "SELECT id::text, payload, error_class, attempts FROM dead_letter WHERE payload = ANY($1)",
          [poison],
        ));
        return deadLetters.length === 3;
      },
      { timeoutMs: 60_000, what: "three dead letters recorded" },
    );
    const byPayload = new Map(deadLetters.map((d) => [d.payload, d]));
    expect(byPayload.get(poison[0] as string)?.error_class).toBe("InvalidJson");
    expect(byPayload.get(poison[1] as string)?.error_class).toBe("SchemaMismatch");
    expect(byPayload.get(poison[2] as string)).toMatchObject({ attempts: 3 });
    await waitUntil(() => deadLetters.every((d) => webhook.alertedIds().includes(d.id)), {
      timeoutMs: 30_000,
      what: "every dead letter alerted at the webhook",
    });

    // Fix the cause (the coupon now exists) and replay: the orphan is issued, once.
    const rowsFor = await createCouponAndReplay(missingCoupon, orphan.requestId, "request");

    // Replaying again changes nothing; a record that is not an event cannot be replayed.
    const orphanLetter = byPayload.get(poison[2] as string)?.id as string;
    const listed = JSON.parse(
      await deadLettersCli(["list", "--coupon", missingCoupon, "--json"], system.env),
    );
    expect(listed.deadLetters).toEqual([
      expect.objectContaining({ couponId: missingCoupon, replayCount: 1 }),
    ]);
    // The same through the GraphQL admin operations.
    const gql = createGraphqlClient(system.graphqlUrl);
    const page = await gql.request<{ deadLetters: { deadLetters: Array<{ id: string }> } }>(
      "query($c: ID) { deadLetters(couponId: $c) { total deadLetters { id errorClass attempts replayCount } } }",
      { c: missingCoupon },
    );
    expect(page.data?.deadLetters.deadLetters).toEqual([
      { id: orphanLetter, errorClass: "CouponNotFound", attempts: 3, replayCount: 1 },
    ]);
    const REPLAY = `mutation($id: ID!) { replayDeadLetter(id: $id) { deadLetterId outcome requestId reason } }`;
    const again = await gql.request<{ replayDeadLetter: Record<string, unknown> }>(REPLAY, {
      id: orphanLetter,
    });
    expect(again.data?.replayDeadLetter).toMatchObject({
      outcome: "REPLAYED",
      requestId: orphan.requestId,
    });
    await waitForGroupCaughtUp(system.env.KAFKA_BROKERS.split(","), CONSUMER_GROUP);
    expect(await rowsFor()).toEqual([orphan.requestId]);
    const malformed = await gql.request<{ replayDeadLetter: Record<string, unknown> }>(REPLAY, {
      id: byPayload.get(poison[0] as string)?.id,
    });
    expect(malformed.data?.replayDeadLetter).toMatchObject({
      outcome: "NOT_REPLAYABLE",
      reason: expect.stringMatching(/invalid-json/),
    });
  });

  /**
   * The cause fixed (the missing coupon created) and the coupon's dead letters replayed through the
   * CLI: the orphan is issued, once. Returns a reader of the coupon's issued request ids.
   */
  async function createCouponAndReplay(missingCoupon: string, requestId: string, what: string) {
    await db.query("INSERT INTO coupon (id, name, total_quantity) VALUES ($1, 'late coupon', 5)", [
      missingCoupon,
    ]);
    const replay = JSON.parse(
      await deadLettersCli(["replay", "--coupon", missingCoupon, "--json"], system.env),
    );
    expect(replay.results).toEqual([expect.objectContaining({ kind: "replayed", requestId })]);
    const rowsFor = async () =>
      (
        await db.query("SELECT request_id FROM user_coupon WHERE coupon_id = $1", [missingCoupon])
      ).rows.map((r) => r.request_id);
    await waitUntil(async () => (await rowsFor()).length === 1, {
      timeoutMs: 30_000,
      what: `the replayed ${what} to be issued`,
    });
    expect(await rowsFor()).toEqual([requestId]);
    return rowsFor;
  }

  // The Redis pipeline: entries written into a coupon's stream by hand (only a process holding
  // REDIS_URL can: the Redis REST proxy serves no stream command), between the drop's entries.
  it("on REDIS_STREAM, poison entries go to the dead-letter stream, are recorded, alerted and replayed like DLT records; the stream flows on", async () => {
    const redis = new Redis(system.env.REDIS_URL);
    const deadLetterFloor = await maxDeadLetterId();
    try {
      const { rows: maxRows } = await db.query(
        "SELECT coalesce(max(id), 0)::bigint + 2000 AS id FROM coupon",
      );
      const missingCoupon = String(maxRows[0].id);
      const orphan = {
        requestId: uuidV7(),
        userId: "4343",
        couponId: missingCoupon,
        requestedAt: new Date().toISOString(),
        source: "API" as const,
      };
      const poison = [
        `{"requestId": "not json in a stream`,
        JSON.stringify({ hello: "a stream entry of the wrong shape" }),
        encodeIssueEvent(orphan),
      ];
      const alertsBefore = webhook.alerts.length;
      const { report } = await dropUnderFault({
        scenario: "poison entries (REDIS_STREAM)",
        system,
        pipeline: "REDIS_STREAM",
        fault: async (couponId) => {
          const stream = DEFAULT_REDIS_KEYS.coupon(couponId).stream;
          for (const value of poison) await redis.xadd(stream, "*", "event", value);
          // And one with no event at all.
          await redis.xadd(stream, "*", "something", "else");
          return Date.now();
        },
      });
      expectInvariantsHold(report);
      expect(report.failedWithCompensation).toBe(0);
      expect(report.rows).toBe(150);

      let deadLetters: Array<{
        id: string;
        payload: string | null;
        error_class: string;
        attempts: number;
        topic: string;
      }> = [];
      await waitUntil(
        async () => {
          ({ rows: deadLetters } = await db.query(
            `SELECT id::text, payload, error_class, attempts, headers->>'x-original-topic' AS topic
             FROM dead_letter WHERE payload = ANY($1) OR (payload IS NULL AND id > $2)`,
            [poison, deadLetterFloor],
          ));
          return deadLetters.length === 4;
        },
        { timeoutMs: 60_000, what: "four stream dead letters recorded" },
      );
      expect(new Set(deadLetters.map((d) => d.topic))).toEqual(new Set([STREAM_DEFAULTS.source]));
      const byPayload = new Map(deadLetters.map((d) => [d.payload, d]));
      expect(byPayload.get(poison[0] as string)?.error_class).toBe("InvalidJson");
      expect(byPayload.get(poison[1] as string)?.error_class).toBe("SchemaMismatch");
      expect(byPayload.get(poison[2] as string)).toMatchObject({
        attempts: 3,
        error_class: "CouponNotFound",
      });
      await waitUntil(
        () => deadLetters.every((d) => webhook.alertedIds(alertsBefore).includes(d.id)),
        { timeoutMs: 30_000, what: "every stream dead letter alerted at the webhook" },
      );
      // Acknowledged and deleted: the stream holds nothing once everything is persisted.
      expect(await redis.xlen(DEFAULT_REDIS_KEYS.streamDeadLetters)).toBe(0);

      await createCouponAndReplay(missingCoupon, orphan.requestId, "stream request");
    } finally {
      redis.disconnect();
    }
  });
});
