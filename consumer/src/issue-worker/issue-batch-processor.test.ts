import type { MikroORM } from "@mikro-orm/postgresql";
import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, inject, it } from "vitest";
import { encodeIssueEvent, type IssueEvent, issueEventKey } from "#shared/issue-event.ts";
import {
  createEventSigner,
  createEventVerifier,
  EVENT_SIGNATURE_HEADER,
} from "#shared/issue-event-signature.ts";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { persistIssueBatch } from "../db/persist-issue-batch.ts";
import { couponState, insertCoupon } from "../db/test-support/issue-events.ts";
import { useMigratedDatabase } from "../db/test-support/migrated-database.ts";
import type { FailureInfo } from "../dead-letter/dead-letter-headers.ts";
import type { ConsumedRecord } from "../kafka/consumed-record.ts";
import { createMetricsRegistry, createWorkerMetrics } from "../monitoring/metrics.ts";
import { createIssueBatchProcessor } from "./issue-batch-processor.ts";

// The processor against real PostgreSQL and Redis; the dead-letter topic is the seam. Every record
// names a request really admitted in Redis: a forger who learnt a victim's request id must not be
// able to decide, claim or fail it.
const TOPIC = "coupon-issue-requests";
const KEY = "processor-test-current-key".padEnd(32, "k");
const PREVIOUS = "processor-test-previous-key".padEnd(32, "p");

let orm: MikroORM;
useMigratedDatabase((fixture) => ({ orm } = fixture));
const redis = new Redis(inject("testEnv").REDIS_URL);
const store = createAdmissionStore(createIoredisScriptTransport(redis), {
  keyPrefix: `${uniqueName("processor-test")}:`,
});
afterAll(async () => {
  await redis.quit();
});

let deadLettered: Array<{ record: ConsumedRecord; failure: FailureInfo }>;
let persisted: IssueEvent[][];
const metrics = createWorkerMetrics(createMetricsRegistry({ defaultMetrics: false }));
/** A series' value: a counter's, or a histogram's `_count`. */
async function seriesValue(
  metric: {
    get(): Promise<{ values: Array<{ labels: object; value: number; metricName?: string }> }>;
  },
  labels: Record<string, string> = {},
  metricName?: string,
): Promise<number> {
  const { values } = await metric.get();
  const found = values.find(
    (v) =>
      (metricName === undefined || v.metricName === metricName) &&
      Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l),
  );
  return found?.value ?? 0;
}
const processor = createIssueBatchProcessor({
  persist: (events, withdrawn) => {
    persisted.push([...events]);
    return persistIssueBatch(orm, events, withdrawn);
  },
  store,
  deadLetter: async (record, failure) => {
    deadLettered.push({ record, failure });
  },
  metrics,
  verifier: createEventVerifier([KEY, PREVIOUS]),
  wait: async () => undefined,
});

let couponId: string;
let event: IssueEvent;
beforeEach(async () => {
  deadLettered = [];
  persisted = [];
  couponId = await insertCoupon(orm.em, 5);
  await store.load({
    couponId,
    totalQuantity: 5,
    issuedCount: 0,
    startsAt: null,
    endsAt: null,
    issued: [],
  });
  event = {
    requestId: uuidV7(),
    userId: "7",
    couponId,
    requestedAt: new Date().toISOString(),
    source: "API",
  };
  expect(await store.admit(event)).toMatchObject({ kind: "accepted" });
});

let offset = 0;
/** The event as a worker takes it from the topic, with the given x-signature header (or none). */
function record(value: string, signature?: string | string[]): ConsumedRecord {
  return {
    topic: TOPIC,
    partition: 0,
    offset: String(offset++),
    key: Buffer.from(issueEventKey(couponId)),
    value: Buffer.from(value),
    headers: signature === undefined ? {} : { [EVENT_SIGNATURE_HEADER]: signature },
  };
}

const sign = (value: string, key = KEY, topic = TOPIC) =>
  createEventSigner(key).sign({ topic, key: issueEventKey(couponId), value });

/** The request as Redis holds it, raw: status and whether a worker claimed it. */
async function rawRequest(): Promise<{ status: string; claimed?: boolean }> {
  const raw = await redis.hget(store.keys.coupon(couponId).requests, event.requestId);
  return JSON.parse(raw ?? "null");
}

describe("the issue batch processor, before anything else", () => {
  it("dead-letters unsigned and forged events at once, and persists, claims and settles nothing", async () => {
    const value = encodeIssueEvent(event);
    const forged = [
      record(value),
      record(value, await sign(value, "an attacker's own key".padEnd(32, "!"))),
      record(value, await sign(value, KEY, "another-topic")),
      record(value, await sign(value.replace('"7"', '"8"'))),
      record(value, "v1=not-a-signature"),
      record(value, [await sign(value), await sign(value)]),
    ];
    await processor.processChunk(forged);
    expect(deadLettered.map((d) => d.record)).toEqual(forged);
    for (const { failure } of deadLettered)
      expect(failure).toMatchObject({ errorClass: "ForgedEventError", attempts: 1 });
    expect(deadLettered.map((d) => d.failure.errorMessage)).toEqual([
      "no x-signature header",
      ...Array(3).fill("x-signature matches none of the event verification keys"),
      "x-signature is not a v1 signature",
      "2 x-signature headers, where the gateway writes one",
    ]);
    expect(persisted).toEqual([]);
    expect(await rawRequest()).toEqual(expect.objectContaining({ status: "PENDING" }));
    expect((await rawRequest()).claimed).toBeUndefined();
    expect(await couponState(orm.em, couponId)).toEqual({ rows: 0, issuedCount: 0, failures: 0 });
  });

  it("never settles a forged event it dead-letters after failed attempts", async () => {
    await processor.deadLetterRecord(
      record(encodeIssueEvent(event)),
      new Error("a bug"),
      3,
      new Date(),
    );
    expect(deadLettered).toHaveLength(1);
    expect(await rawRequest()).toEqual(expect.objectContaining({ status: "PENDING" }));
  });

  it("persists, claims and settles an event signed by the current or the previous key", async () => {
    const issuedBefore = await seriesValue(metrics.outcomes, { status: "ISSUED" });
    const e2eName = "coupon_drop_accepted_to_issued_seconds_count";
    const endToEndBefore = await seriesValue(metrics.acceptedToIssued, {}, e2eName);
    const batchesBefore = await seriesValue(
      metrics.persistBatchSize,
      {},
      "coupon_drop_persist_batch_size_records_count",
    );
    const value = encodeIssueEvent(event);
    await processor.processChunk([record(value, await sign(value, PREVIOUS))]);
    expect(deadLettered).toEqual([]);
    expect(await rawRequest()).toMatchObject({ status: "ISSUED", claimed: true });
    expect(await couponState(orm.em, couponId)).toEqual({ rows: 1, issuedCount: 1, failures: 0 });
    // The metrics moved with it: one outcome, one persisting transaction, one admission-to-ISSUED.
    expect(await seriesValue(metrics.outcomes, { status: "ISSUED" })).toBe(issuedBefore + 1);
    // Delivered again (a rebalance, a restart): the same outcome, and no second count of it.
    await processor.processChunk([record(value, await sign(value, PREVIOUS))]);
    expect(await seriesValue(metrics.outcomes, { status: "ISSUED" })).toBe(issuedBefore + 1);
    expect(await seriesValue(metrics.acceptedToIssued, {}, e2eName)).toBe(endToEndBefore + 1);
    expect(
      await seriesValue(
        metrics.persistBatchSize,
        {},
        "coupon_drop_persist_batch_size_records_count",
      ),
    ).toBe(batchesBefore + 2);
    const deadLettersBefore = await seriesValue(metrics.outcomes, { reason: "DEAD_LETTERED" });

    // A signed event that fails every attempt is dead-lettered and its request given back.
    const other = { ...event, requestId: uuidV7(), userId: "8" };
    await store.admit(other);
    const otherValue = encodeIssueEvent(other);
    await processor.deadLetterRecord(
      record(otherValue, await sign(otherValue)),
      new Error("a bug"),
      3,
      new Date(),
    );
    expect(await store.readRequest(couponId, other.requestId)).toMatchObject({
      status: "FAILED",
      reason: "DEAD_LETTERED",
    });
    expect(await seriesValue(metrics.outcomes, { reason: "DEAD_LETTERED" })).toBe(
      deadLettersBefore + 1,
    );
  });

  it("fails a signed event made outside its coupon's window, giving stock and slot back", async () => {
    await orm.em
      .fork()
      .execute("UPDATE coupon SET ends_at = now() - interval '1 hour' WHERE id = ?", [couponId]);
    const value = encodeIssueEvent(event);
    await processor.processChunk([record(value, await sign(value))]);
    expect(deadLettered).toEqual([]);
    expect(await store.readRequest(couponId, event.requestId)).toMatchObject({
      status: "FAILED",
      reason: "OUTSIDE_WINDOW",
    });
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 0, issued: 0, remaining: 5 });
    expect(await couponState(orm.em, couponId)).toEqual({ rows: 0, issuedCount: 0, failures: 1 });
  });
});
