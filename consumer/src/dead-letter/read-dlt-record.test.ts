import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import { encodeIssueEvent } from "#shared/issue-event.ts";
import { DLT_HEADERS } from "./dead-letter-headers.ts";
import { newDeadLetterKey } from "./dead-letter-key.ts";
import { readDltRecord } from "./read-dlt-record.ts";

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

const failure = {
  [DLT_HEADERS.originalTopic]: "coupon-issue-requests",
  [DLT_HEADERS.originalPartition]: "1",
  [DLT_HEADERS.originalOffset]: "340",
  [DLT_HEADERS.attempts]: "3",
  [DLT_HEADERS.errorClass]: "CouponNotFound",
  [DLT_HEADERS.errorMessage]: "coupon 7 does not exist in PostgreSQL",
  [DLT_HEADERS.firstFailureAt]: "2026-11-25T05:00:00.000Z",
  [DLT_HEADERS.lastFailureAt]: "2026-11-25T05:00:03.000Z",
};
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
