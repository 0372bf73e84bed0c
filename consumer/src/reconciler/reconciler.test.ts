import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ISSUE_REQUEST_PARTITIONS } from "#shared/defaults.ts";
import { decodeIssueEvent, issueEventKey } from "#shared/issue-event.ts";
import {
  createEventSigner,
  createEventVerifier,
  EVENT_SIGNATURE_HEADER,
} from "#shared/issue-event-signature.ts";
import type { PersistedRequest } from "#shared/lifecycle/postgres-rows.ts";
import { silentLogger } from "#shared/logging/logger.ts";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { createTopics, deleteTopicsAndGroups, readTopic } from "#test-support/own-kafka.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { createDurableProducer, createKafkaClient } from "../kafka/kafka-client.ts";
import { createControlMetrics, createMetricsRegistry } from "../monitoring/metrics.ts";
import { createReconciler } from "./reconciler.ts";

// Real Redis and a real broker (the test infrastructure's); PostgreSQL's answer is the seam. Keys
// under a prefix and a topic of this file's own: no other test's coupons are reconciled here, and
// what is re-produced here reaches no other test's consumer.
const testEnv = inject("testEnv");
const brokers = testEnv.KAFKA_BROKERS.split(",");
const topic = uniqueName("reconciler-test");
const redis = new Redis(testEnv.REDIS_URL);
const store = createAdmissionStore(createIoredisScriptTransport(redis), {
  keyPrefix: `${uniqueName("reconciler-test")}:`,
});
const producer = createDurableProducer(createKafkaClient(brokers, "reconciler-test"));
beforeAll(async () => {
  await createTopics(brokers, [{ topic, numPartitions: ISSUE_REQUEST_PARTITIONS }]);
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await redis.quit();
  await deleteTopicsAndGroups(brokers, { topics: [topic] });
});

const EVENT_KEY = "reconciler-test-key-".padEnd(32, "k");
const AFTER_MS = 30_000;
const GIVE_UP_MS = 300_000;
let couponId: string;

function reconciler(outcome: PersistedRequest | null = null) {
  return createReconciler({
    redis,
    store,
    producer,
    signer: createEventSigner(EVENT_KEY),
    topic,
    findOutcome: async () => outcome,
    metrics: createControlMetrics(createMetricsRegistry({ defaultMetrics: false })),
    afterMs: AFTER_MS,
    giveUpAfterMs: GIVE_UP_MS,
    logger: silentLogger(),
  });
}

async function admitOne(userId = "7") {
  const requestId = uuidV7();
  await store.admit({ couponId, userId, requestId, requestedAt: new Date().toISOString() });
  // Redis stamps the admission with its own clock; a second of margin keeps the ages unambiguous.
  return { requestId, admittedAt: Date.now() };
}

beforeEach(async () => {
  couponId = String(3_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
  await store.load({
    couponId,
    totalQuantity: 1,
    issuedCount: 0,
    startsAt: null,
    endsAt: null,
    issued: [],
  });
});

describe("reconciler", () => {
  it("leaves a pending request alone until it is older than the threshold", async () => {
    const { admittedAt } = await admitOne();
    expect(await reconciler().reconcileCoupon(couponId, admittedAt + AFTER_MS - 1000)).toBe(0);
    expect((await store.readCoupon(couponId))?.pending).toBe(1);
  });

  it("produces an old pending request again, once across concurrent passes", async () => {
    const { requestId, admittedAt } = await admitOne();
    const now = admittedAt + AFTER_MS + 1000;
    const handled = await Promise.all([
      reconciler().reconcileCoupon(couponId, now),
      reconciler().reconcileCoupon(couponId, now),
    ]);
    expect(handled.reduce((a, b) => a + b, 0)).toBe(1);
    // What reached the topic: this request's event, once, keyed by its coupon.
    const produced = (await readTopic(brokers, topic)).filter((record) => {
      const decoded = decodeIssueEvent(record.value);
      return decoded.ok && decoded.event.requestId === requestId;
    });
    expect(produced).toHaveLength(1);
    expect(produced[0]?.key?.toString()).toBe(issueEventKey(couponId));
    expect(decodeIssueEvent(produced[0]?.value)).toMatchObject({
      ok: true,
      event: { requestId, couponId, userId: "7", source: "API" },
    });
    // Signed for this topic and key, as the gateway signs: the workers take it.
    const [record] = produced;
    expect(
      createEventVerifier([EVENT_KEY]).verify(
        { topic, key: record?.key ?? null, value: record?.value ?? null },
        record?.headers?.[EVENT_SIGNATURE_HEADER],
      ),
    ).toEqual({ ok: true });
    // Still pending: the consumer settles it once the event is persisted.
    expect((await store.readRequest(couponId, requestId))?.status).toBe("PENDING");
  });

  it("settles from PostgreSQL's outcome when the event was persisted but not settled", async () => {
    const { requestId, admittedAt } = await admitOne();
    const persisted: PersistedRequest = {
      status: "ISSUED",
      requestId,
      userId: "7",
      couponId,
      requestedAt: new Date(admittedAt),
      issuedAt: new Date(),
      couponIssuedCount: 1,
    };
    await reconciler(persisted).reconcileCoupon(couponId, admittedAt + AFTER_MS + 1000);
    expect((await store.readRequest(couponId, requestId))?.status).toBe("ISSUED");
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 0, issued: 1, remaining: 0 });
  });

  it("fails a request still without outcome after the bound, giving the stock and slot back", async () => {
    const { requestId, admittedAt } = await admitOne("7");
    expect((await store.readCoupon(couponId))?.remaining).toBe(0);
    await reconciler().reconcileCoupon(couponId, admittedAt + GIVE_UP_MS + 1000);
    expect(await store.readRequest(couponId, requestId)).toMatchObject({
      status: "FAILED",
      reason: "NOT_RECORDED",
    });
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 0, remaining: 1 });
    // The user may try again.
    const again = await store.admit({
      couponId,
      userId: "7",
      requestId: uuidV7(),
      requestedAt: new Date().toISOString(),
    });
    expect(again.kind).toBe("accepted");
  });
});
