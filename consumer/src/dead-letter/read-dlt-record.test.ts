import type { IHeaders, KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { encodeIssueEvent } from "#shared/issue-event.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import { newDeadLetterKey } from "./dead-letter-key.ts";
import { readDltRecord } from "./read-dlt-record.ts";
import { WORKER_FAILURE_HEADERS } from "./test-support/worker-failure-headers.ts";

const DLT = "coupon-issue-requests.DLT";

/** A DLT record as kafkajs hands it over: headers as bytes. */
function message(offset: string, value: string, headers: Record<string, string>): KafkaMessage {
  return {
    key: Buffer.from("coupon:7"),
    value: Buffer.from(value),
    timestamp: "1795600000000",
    attributes: 0,
    offset,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

const failure = WORKER_FAILURE_HEADERS;
const event = encodeIssueEvent({
  requestId: "0190f5a4-1c2b-7d3e-8f40-123456789abc",
  userId: "3",
  couponId: "7",
  requestedAt: "2026-11-25T04:59:59.000Z",
  source: "API",
});

describe("readDltRecord", () => {
  it("reads the worker's key, the failure and the original event from the record", () => {
    const key = newDeadLetterKey();
    const read = readDltRecord(
      DLT,
      2,
      message("0", event, { ...failure, [DLT_HEADERS.deadLetterKey]: key }),
    );
    expect(read).toEqual({
      letterKey: key,
      topic: DLT,
      partition: 2,
      offset: "0",
      recordKey: "coupon:7",
      payload: event,
      headers: { ...failure, [DLT_HEADERS.deadLetterKey]: key },
      errorClass: "CouponNotFound",
      errorMessage: "coupon 7 does not exist in PostgreSQL",
      attempts: 3,
      firstFailedAt: new Date("2026-11-25T05:00:00.000Z"),
      lastFailedAt: new Date("2026-11-25T05:00:03.000Z"),
      couponId: "7",
    });
  });

  it("keys a record of an older worker by where it was read and when it last failed", () => {
    const read = readDltRecord(DLT, 2, message("5", "{oops", failure));
    expect(read.letterKey).toBe(`legacy:${DLT}/2/5/2026-11-25T05:00:03.000Z`);
    expect(read.couponId).toBeNull();
  });

  it("leaves out failure times that are not times, and defaults what is missing", () => {
    const read = readDltRecord(
      DLT,
      0,
      message("1", "{oops", { [DLT_HEADERS.firstFailureAt]: "yesterday" }),
    );
    expect(read).toMatchObject({
      errorClass: "Unknown",
      errorMessage: "",
      attempts: 1,
      firstFailedAt: null,
      lastFailedAt: null,
      letterKey: `legacy:${DLT}/0/1/`,
    });
  });
});

describe("readDltRecord, on records no worker wrote", () => {
  /** A record as kafkajs hands it over, headers given as raw values (bytes, repeats as arrays). */
  const raw = (headers: IHeaders, value: Buffer | null = Buffer.from(event)): KafkaMessage => ({
    key: Buffer.from("coupon:7"),
    value,
    timestamp: "1795600000000",
    attributes: 0,
    offset: "9",
    headers,
  });
  const bytes = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));

  it("marks a record whose headers are of the wrong form, keeping only the fields that are right", () => {
    const read = readDltRecord(
      DLT,
      0,
      raw(
        bytes({
          ...failure,
          [DLT_HEADERS.attempts]: "many",
          [DLT_HEADERS.originalPartition]: "-1",
          [DLT_HEADERS.errorClass]: "\u001b[31mPWNED</script>",
        }),
      ),
    );
    expect(read).toMatchObject({
      errorClass: "Unknown",
      attempts: 1,
      errorMessage: failure[DLT_HEADERS.errorMessage],
      firstFailedAt: new Date(failure[DLT_HEADERS.firstFailureAt]),
      couponId: "7",
    });
    expect(read.malformed).toMatch(/^ForgedDeadLetterError: /);
    for (const name of [
      DLT_HEADERS.attempts,
      DLT_HEADERS.originalPartition,
      DLT_HEADERS.errorClass,
    ])
      expect(read.malformed).toContain(`${name}: `);
  });

  it("stores what PostgreSQL can hold of invalid UTF-8, NUL and huge values, and says so", () => {
    const huge = "h".repeat(1_000_000);
    const read = readDltRecord(
      DLT,
      0,
      raw(
        {
          ...bytes({ ...failure, [DLT_HEADERS.errorMessage]: huge }),
          [DLT_HEADERS.errorClass]: Buffer.from([0x43, 0xff, 0xfe, 0x6c]),
          "x-nul\u0000name": Buffer.from("a\u0000b"),
        },
        Buffer.from([0x7b, 0x00, 0xc3, 0x28]),
      ),
    );
    expect(read.headers[DLT_HEADERS.errorMessage]).toHaveLength(8192);
    expect(read.errorMessage).toBe("");
    expect(read.errorClass).toBe("Unknown");
    expect(read.headers[DLT_HEADERS.errorClass]).toBe("C\uFFFD\uFFFDl");
    expect(read.headers["x-nul\uFFFDname"]).toBe("a\uFFFDb");
    expect(read.payload).toBe("{\uFFFD\uFFFD(");
    expect(JSON.stringify(read)).not.toContain("\\u0000");
    expect(read.malformed).toMatch(/x-error-message: over 8192 characters, cut/);
    expect(read.malformed).toMatch(/x-error-class: not valid UTF-8/);
    expect(read.malformed).toMatch(/\(value\): not valid UTF-8; \(value\): contains NUL/);
    expect(read.malformed?.length).toBeLessThanOrEqual(2000);
  });

  it("marks missing and repeated headers, and keys a record by a hash of a last failure time that is none", () => {
    const missing = readDltRecord(DLT, 1, raw({}));
    expect(missing.malformed).toMatch(/x-original-topic: missing/);
    expect(missing.letterKey).toBe(`legacy:${DLT}/1/9/`);
    const repeated = readDltRecord(
      DLT,
      1,
      raw({
        ...bytes(failure),
        [DLT_HEADERS.attempts]: [Buffer.from("1"), Buffer.from("2")],
        [DLT_HEADERS.lastFailureAt]: Buffer.from("x".repeat(100_000)),
      }),
    );
    expect(repeated.malformed).toMatch(/x-attempts: repeated 2 times/);
    expect(repeated.attempts).toBe(1);
    expect(repeated.lastFailedAt).toBeNull();
    expect(repeated.letterKey).toMatch(new RegExp(`^legacy:${DLT}/1/9/sha256:[0-9a-f]{64}$`));
  });

  it("leaves a worker's record unmarked", () => {
    const read = readDltRecord(DLT, 2, message("3", event, failure));
    expect(read.malformed).toBeUndefined();
  });
});
