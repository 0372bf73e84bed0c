import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { STREAM_DEFAULTS } from "#shared/defaults.ts";
import { encodeIssueEvent, issueEventKey } from "#shared/issue-event.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { createStreamGroup } from "../redis/stream-group.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import { readDltRecord } from "./read-dlt-record.ts";
import { createStreamDeadLetterPublisher, dltMessageOfEntry } from "./stream-dead-letters.ts";

const redis = new Redis(inject("testEnv").REDIS_URL);
afterAll(() => redis.quit());

describe("the stream workers' dead letters", () => {
  it("read back as the same dead letter a DLT record makes: a worker's, never marked malformed", async () => {
    const key = uniqueName("dead-letter-stream");
    const event = encodeIssueEvent({
      requestId: uuidV7(),
      userId: "5",
      couponId: "77",
      requestedAt: new Date().toISOString(),
      source: "API",
    });
    const publisher = createStreamDeadLetterPublisher(redis, key);
    const failedAt = new Date();
    await publisher.publish(
      {
        topic: STREAM_DEFAULTS.source,
        partition: 0,
        offset: String(Date.now()),
        key: Buffer.from(issueEventKey("77")),
        value: Buffer.from(event),
        headers: { [DLT_HEADERS.streamEntryId]: "1-0" },
      },
      {
        errorClass: "CouponNotFound",
        errorMessage: "coupon 77 does not exist in PostgreSQL",
        attempts: 3,
        firstFailureAt: failedAt,
        lastFailureAt: failedAt,
      },
    );
    const group = createStreamGroup(redis, "monitor", "m");
    await group.ensure(key);
    const [entry] = await group.read([key], 10, 10);
    if (!entry) throw new Error("no dead-letter entry");
    const letter = readDltRecord(key, 0, dltMessageOfEntry(entry));
    expect(letter.malformed).toBeUndefined();
    expect(letter).toMatchObject({
      payload: event,
      recordKey: issueEventKey("77"),
      errorClass: "CouponNotFound",
      attempts: 3,
      couponId: "77",
    });
    expect(letter.headers).toMatchObject({
      [DLT_HEADERS.originalTopic]: STREAM_DEFAULTS.source,
      [DLT_HEADERS.streamEntryId]: "1-0",
    });
    await redis.del(key);
  });

  it("an entry no worker wrote is recorded marked, whatever it holds", () => {
    const letter = readDltRecord(
      "k",
      0,
      dltMessageOfEntry({ stream: "k", id: "5-0", fields: { headers: "not json", value: "x" } }),
    );
    expect(letter.malformed).toMatch(/ForgedDeadLetterError/);
    expect(letter.offset).toBe("5");
  });
});
