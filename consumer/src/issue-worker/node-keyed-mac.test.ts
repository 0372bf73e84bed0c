import { describe, expect, it } from "vitest";
import { createEventSigner, createEventVerifier } from "#shared/issue-event-signature.ts";
import { nodeKeyedMac } from "./node-keyed-mac.ts";

const event = JSON.stringify({ requestId: crypto.randomUUID(), userId: "7", couponId: "42" });

describe("the workers' node:crypto HMAC", () => {
  it("verifies what the gateway signs, with any key of a rotation, for text, bytes and a null key", () => {
    const signer = createEventSigner("current-key");
    const verifier = createEventVerifier(["previous-key", "current-key"], nodeKeyedMac);
    for (const record of [
      { topic: "coupon-issue-requests", key: "coupon-42", value: event },
      { topic: "coupon-issue-requests", key: Buffer.from("coupon-42"), value: Buffer.from(event) },
      { topic: "other-topic", key: null, value: event },
    ])
      expect(verifier.verify(record, signer.sign(record))).toEqual({ ok: true });
  });

  it("refuses a changed value, topic or key, and a key it does not hold, as the default does", () => {
    const record = { topic: "coupon-issue-requests", key: "coupon-42", value: event };
    const signature = createEventSigner("current-key").sign(record);
    const verifier = createEventVerifier(["current-key"], nodeKeyedMac);
    const changed = [
      { ...record, value: event.replace('"7"', '"8"') },
      { ...record, topic: "coupon-issue-requests.DLT" },
      { ...record, key: "coupon-43" },
    ];
    for (const other of changed)
      expect(verifier.verify(other, signature)).toMatchObject({ ok: false, reason: "mismatch" });
    expect(createEventVerifier(["other-key"], nodeKeyedMac).verify(record, signature)).toEqual(
      createEventVerifier(["other-key"]).verify(record, signature),
    );
  });
});
