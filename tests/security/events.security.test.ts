// An attacker who holds the Kafka REST proxy's password (a leaked secret, a compromised edge
// function) writes issue events of their own, and someone with access to the broker writes forged
// dead letters. What the password buys now: records on the issue topic, every one of which a worker
// dead-letters unless the gateway signed exactly those bytes for that topic and key. No coupon is
// minted, nobody's request is claimed, failed or issued, and the DLT monitor is held up by nothing.
import { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DLT_HEADERS } from "#consumer/dead-letter/dead-letter-headers.ts";
import {
  decodeIssueEvent,
  encodeIssueEvent,
  type IssueEvent,
  issueEventKey,
} from "#shared/issue-event.ts";
import { createEventSigner, EVENT_SIGNATURE_HEADER } from "#shared/issue-event-signature.ts";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { type AlertWebhook, startAlertWebhook } from "#test-support/alert-webhook.ts";
import { createCoupon, userIdBase } from "#test-support/coupon-drop.ts";
import { CREATE_COUPON, createGraphqlClient, ISSUE_COUPON } from "#test-support/graphql-client.ts";
import { waitForGroupCaughtUp } from "#test-support/kafka-lag.ts";
import { readTopic } from "#test-support/own-kafka.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";
import { type SystemNames, uniqueSystemNames } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";

let system: SystemUnderTest;
let names: SystemNames;
let webhook: AlertWebhook;
let db: pg.Pool;
let redis: Redis;
let kafka: Kafka;
let brokers: string[];
let nextUser = userIdBase();
const freshUser = () => String(nextUser++);

beforeAll(async () => {
  names = uniqueSystemNames();
  webhook = await startAlertWebhook();
  system = await startSystem({
    workers: 1,
    names,
    extraEnv: { control: { ALERT_WEBHOOK_URL: webhook.url } },
  });
  brokers = system.env.KAFKA_BROKERS.split(",");
  db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
  redis = new Redis(system.env.REDIS_URL);
  kafka = new Kafka({ clientId: "events-security-test", brokers, logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  redis?.disconnect();
  await db?.end();
  await system?.stop();
  await webhook?.close();
});

const gql = () => createGraphqlClient(system.graphqlUrl);
const store = () =>
  createAdmissionStore(createIoredisScriptTransport(redis), { keyPrefix: names.redisKeyPrefix });

/** POST /produce with the proxy's password, as the attacker does: status and answer. */
async function kafkaRest(message: {
  key: string;
  value: string;
  headers?: Array<{ key: string; value: string }>;
}) {
  const credentials = btoa(`${system.env.KAFKA_REST_USERNAME}:${system.env.KAFKA_REST_PASSWORD}`);
  const response = await fetch(`${system.env.KAFKA_REST_URL}/produce`, {
    method: "POST",
    headers: { authorization: `Basic ${credentials}`, "content-type": "application/json" },
    body: JSON.stringify({ topic: names.issueTopic, ...message }),
  });
  return { status: response.status, body: await response.json() };
}

const signature = (value: string) => [{ key: EVENT_SIGNATURE_HEADER, value }];

interface DeadLetterRow {
  error_class: string;
  error_message: string;
  record_key: string | null;
  partition: number;
  malformed: string | null;
}

/** The dead letter recorded for a record of this value (and key), once the monitor has it. */
async function deadLetterOf(payload: string, recordKey?: string): Promise<DeadLetterRow> {
  let row: DeadLetterRow | undefined;
  await waitUntil(
    async () => {
      const { rows } = await db.query<DeadLetterRow>(
        `SELECT error_class, error_message, record_key, partition, malformed FROM dead_letter
          WHERE topic = $1 AND payload = $2 AND ($3::text IS NULL OR record_key = $3)`,
        [names.deadLetterTopic, payload, recordKey ?? null],
      );
      [row] = rows;
      return row !== undefined;
    },
    { timeoutMs: 60_000, what: "the record to be dead-lettered and recorded" },
  );
  return row as DeadLetterRow;
}

/** What PostgreSQL holds for a user on a coupon: issued rows and recorded failures. */
async function persistedFor(couponId: string, userId: string) {
  const { rows } = await db.query(
    `SELECT (SELECT count(*)::int FROM user_coupon WHERE coupon_id = $1 AND user_id = $2) AS issued,
            (SELECT count(*)::int FROM issue_failure WHERE coupon_id = $1 AND user_id = $2) AS failed`,
    [couponId, userId],
  );
  return rows[0] as { issued: number; failed: number };
}

/** A request as Redis holds it, raw (null when Redis never heard of it). */
async function redisRecord(couponId: string, requestId: string) {
  const raw = await redis.hget(store().keys.coupon(couponId).requests, requestId);
  return raw === null ? null : (JSON.parse(raw) as { status: string; claimed?: boolean });
}

/** A press through the gateway, answered IssueAccepted and then issued. */
async function issuedPress(couponId: string, userId: string): Promise<string> {
  const pressed = await gql().request<{ issueCoupon: { __typename: string; requestId: string } }>(
    ISSUE_COUPON,
    { couponId },
    userId,
  );
  expect(pressed.data?.issueCoupon.__typename).toBe("IssueAccepted");
  const requestId = pressed.data?.issueCoupon.requestId as string;
  await waitUntil(async () => (await persistedFor(couponId, userId)).issued === 1, {
    what: "the press to be issued",
  });
  return requestId;
}

const eventFor = (couponId: string, userId: string, requestId = uuidV7()): IssueEvent => ({
  requestId,
  userId,
  couponId,
  requestedAt: new Date().toISOString(),
  source: "API",
});

describe("the Kafka REST password in the wrong hands", () => {
  it("an unsigned or wrongly signed event is dead-lettered at once: no row, no claim, nobody's request touched", async () => {
    const couponId = await createCoupon(gql(), 5);
    await issuedPress(couponId, freshUser());
    // A victim whose request was admitted and whose event never came (its gateway died): the
    // attacker knows its id and names it, to have it claimed, failed or issued.
    const victim = eventFor(couponId, freshUser());
    expect(await store().admit(victim)).toMatchObject({ kind: "accepted" });
    const before = await store().readCoupon(couponId);

    const key = issueEventKey(couponId);
    const unsigned = encodeIssueEvent(eventFor(couponId, freshUser()));
    const guessedKey = encodeIssueEvent(eventFor(couponId, freshUser()));
    const victimsOwn = encodeIssueEvent(victim);
    const attackerKey = "the attacker's own guess at the key".padEnd(32, "!");
    for (const message of [
      { key, value: unsigned },
      {
        key,
        value: guessedKey,
        headers: signature(
          createEventSigner(attackerKey).sign({
            topic: names.issueTopic,
            key,
            value: guessedKey,
          }),
        ),
      },
      { key, value: victimsOwn, headers: signature("v1=".padEnd(46, "A")) },
    ]) {
      // The proxy takes them (it holds no key): the workers are where they end.
      expect((await kafkaRest(message)).status).toBe(200);
    }

    const letters = await Promise.all(
      [unsigned, guessedKey, victimsOwn].map((v) => deadLetterOf(v)),
    );
    expect(letters.map((l) => [l.error_class, l.error_message])).toEqual([
      ["ForgedEventError", "no x-signature header"],
      ["ForgedEventError", "x-signature matches none of the event verification keys"],
      ["ForgedEventError", "x-signature matches none of the event verification keys"],
    ]);
    for (const value of [unsigned, guessedKey, victimsOwn]) {
      const event = decodeIssueEvent(value);
      if (!event.ok) throw new Error("the forged events are well-formed");
      expect(await persistedFor(couponId, event.event.userId)).toEqual({ issued: 0, failed: 0 });
    }
    for (const value of [unsigned, guessedKey]) {
      const event = decodeIssueEvent(value);
      if (event.ok) expect(await redisRecord(couponId, event.event.requestId)).toBeNull();
    }
    // The victim's request is as it was: pending, not claimed, its stock still held.
    const victimRecord = await redisRecord(couponId, victim.requestId);
    expect(victimRecord).toMatchObject({ status: "PENDING" });
    expect(victimRecord?.claimed).toBeUndefined();
    expect(await store().readCoupon(couponId)).toEqual(before);
  });

  it("a signed event proves the gateway wrote exactly it: sent again it changes nothing, changed in any way it is forged", async () => {
    // What the signature proves: a key holder (the gateway after admitting it) wrote these bytes
    // for this topic and this key. Not when: an attacker who reads the topic may send a record
    // again, and it is the same request again, which the workers decide idempotently.
    const couponId = await createCoupon(gql(), 5);
    const otherCoupon = await createCoupon(gql(), 5);
    const owner = freshUser();
    const requestId = await issuedPress(couponId, owner);
    const records = await readTopic(brokers, names.issueTopic);
    const captured = records.find((record) => {
      const decoded = decodeIssueEvent(record.value);
      return decoded.ok && decoded.event.requestId === requestId;
    });
    const value = captured?.value?.toString() as string;
    const key = captured?.key?.toString() as string;
    const signed = captured?.headers?.[EVENT_SIGNATURE_HEADER]?.toString() as string;
    expect(signed).toMatch(/^v1=/);

    // Sent again verbatim, through the proxy (which passes the header through): nothing new.
    const issuedBefore = await db.query("SELECT issued_count FROM coupon WHERE id = $1", [
      couponId,
    ]);
    expect((await kafkaRest({ key, value, headers: signature(signed) })).status).toBe(200);
    await waitForGroupCaughtUp(brokers, names.consumerGroup, { topic: names.issueTopic });
    expect(await persistedFor(couponId, owner)).toEqual({ issued: 1, failed: 0 });
    expect(
      (await db.query("SELECT issued_count FROM coupon WHERE id = $1", [couponId])).rows,
    ).toEqual(issuedBefore.rows);
    const { rows: none } = await db.query(
      "SELECT 1 FROM dead_letter WHERE topic = $1 AND payload = $2",
      [names.deadLetterTopic, value],
    );
    expect(none).toEqual([]);

    // The same signature on anything else: another user (a request never admitted for them), a new
    // request id, another coupon's key (another partition, out of admission order).
    const stranger = freshUser();
    const forUser = value.replace(`"userId":"${owner}"`, `"userId":"${stranger}"`);
    const newRequest = value.replace(requestId, uuidV7());
    expect(forUser).not.toBe(value);
    expect(newRequest).not.toBe(value);
    const otherKey = issueEventKey(otherCoupon);
    for (const message of [
      { key, value: forUser },
      { key, value: newRequest },
      { key: otherKey, value },
    ])
      expect((await kafkaRest({ ...message, headers: signature(signed) })).status).toBe(200);
    for (const letter of [
      await deadLetterOf(forUser),
      await deadLetterOf(newRequest),
      await deadLetterOf(value, otherKey),
    ])
      expect(letter).toMatchObject({
        error_class: "ForgedEventError",
        error_message: "x-signature matches none of the event verification keys",
      });
    expect(await persistedFor(couponId, stranger)).toEqual({ issued: 0, failed: 0 });
    expect(await persistedFor(couponId, owner)).toEqual({ issued: 1, failed: 0 });
    expect(await persistedFor(otherCoupon, owner)).toEqual({ issued: 0, failed: 0 });
  });

  it("even a correctly signed event is refused outside its coupon's window", async () => {
    // The gateway never signs one; a signer's bug or a leaked key would. The test signs it.
    const hour = 3_600_000;
    const created = await gql().request<{ createCoupon: { id: string } }>(CREATE_COUPON, {
      input: {
        name: "ended an hour ago",
        totalQuantity: 5,
        startsAt: new Date(Date.now() - 2 * hour).toISOString(),
        endsAt: new Date(Date.now() - hour).toISOString(),
      },
    });
    const couponId = created.data?.createCoupon.id as string;
    const user = freshUser();
    const key = issueEventKey(couponId);
    const value = encodeIssueEvent(eventFor(couponId, user));
    const signed = createEventSigner(system.env.EVENT_SIGNING_KEY).sign({
      topic: names.issueTopic,
      key,
      value,
    });
    expect((await kafkaRest({ key, value, headers: signature(signed) })).status).toBe(200);
    await waitUntil(async () => (await persistedFor(couponId, user)).failed === 1, {
      timeoutMs: 60_000,
      what: "the event to be decided",
    });
    const { rows } = await db.query(
      "SELECT reason FROM issue_failure WHERE coupon_id = $1 AND user_id = $2",
      [couponId, user],
    );
    expect(rows).toEqual([{ reason: "OUTSIDE_WINDOW" }]);
    expect(await persistedFor(couponId, user)).toEqual({ issued: 0, failed: 1 });
  });
});

describe("forged records in the dead-letter topic", () => {
  it("are recorded marked and alerted, and do not hold up the dead letter behind them", async () => {
    // The DLT is not writable through the proxy (its topics default to the issue topic): someone
    // with the broker itself writes these, on the partition the good dead letter goes to after.
    const couponId = await createCoupon(gql(), 5);
    const key = issueEventKey(couponId);
    const run = uuidV7();
    const bytes = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    const forged = [
      {
        value: `wrong types ${run}`,
        headers: bytes({
          [DLT_HEADERS.attempts]: "NaN",
          [DLT_HEADERS.originalPartition]: "-3",
          [DLT_HEADERS.lastFailureAt]: "whenever",
          [DLT_HEADERS.errorClass]: "<img src=x onerror=alert(1)>",
        }),
      },
      {
        value: `huge values ${run} ${"v".repeat(500_000)}`,
        headers: bytes({ [DLT_HEADERS.errorMessage]: "m".repeat(400_000) }),
      },
      { value: `missing headers ${run}`, headers: {} },
      {
        value: Buffer.concat([
          Buffer.from(`invalid UTF-8 ${run} `),
          Buffer.from([0xc3, 0x28, 0x00]),
        ]),
        headers: { [DLT_HEADERS.errorClass]: Buffer.from([0xff, 0x00, 0xfe]) },
      },
    ];
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: names.deadLetterTopic,
        acks: -1,
        messages: forged.map(({ value, headers }) => ({ key, value, headers })),
      });
    } finally {
      await producer.disconnect();
    }
    // Then a good dead letter, on the same partition (same key): a worker's, for an unsigned event.
    const unsigned = encodeIssueEvent(eventFor(couponId, freshUser()));
    expect((await kafkaRest({ key, value: unsigned })).status).toBe(200);
    const good = await deadLetterOf(unsigned);
    expect(good).toMatchObject({ error_class: "ForgedEventError", malformed: null });

    const { rows } = await db.query<{ id: string; partition: number; malformed: string | null }>(
      `SELECT id::text, partition, malformed FROM dead_letter WHERE topic = $1 AND payload LIKE $2`,
      [names.deadLetterTopic, `%${run}%`],
    );
    expect(rows).toHaveLength(forged.length);
    for (const row of rows) {
      expect(row.partition).toBe(good.partition);
      expect(row.malformed).toMatch(/^ForgedDeadLetterError: /);
    }
    await waitUntil(() => rows.every((row) => webhook.alertedIds().includes(row.id)), {
      timeoutMs: 30_000,
      what: "every forged record alerted (at once, or in its window's summary)",
    });
    const alerts = webhook.alerts.filter(
      (a) =>
        rows.some((row) => String(a.deadLetterId) === row.id) ||
        (a.event === "dead_letters" &&
          (a.deadLetterIds as string[]).some((id) => rows.some((row) => row.id === id))),
    );
    for (const alert of alerts) {
      if (alert.event === "dead_letter")
        expect(alert).toMatchObject({
          malformed: expect.stringMatching(/^ForgedDeadLetterError: /),
        });
      expect(JSON.stringify(alert).length).toBeLessThan(12_000);
    }
  });
});
