import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createEventSigner,
  createEventVerifier,
  EVENT_SIGNATURE_HEADER,
  type SignedRecord,
  signedBytes,
} from "./issue-event-signature.ts";

const CURRENT = "c".repeat(32);
const PREVIOUS = "p".repeat(32);
const record: SignedRecord = {
  topic: "coupon-issue-requests",
  key: "coupon:7",
  value: '{"requestId":"0190f5a4-1c2b-7d3e-8f40-123456789abc","userId":"3","couponId":"7"}',
};

describe("issue event signatures", () => {
  it("verifies what a signer of a known key signed, from text or bytes", async () => {
    const signature = createEventSigner(CURRENT).sign(record);
    expect(signature).toMatch(/^v1=[A-Za-z0-9_-]{43}$/);
    const verifier = createEventVerifier([CURRENT]);
    expect(verifier.verify(record, signature)).toEqual({ ok: true });
    // As kafkajs hands the record over: value, key and header as bytes.
    const asBytes = {
      topic: record.topic,
      key: Buffer.from(record.key as string),
      value: Buffer.from(record.value as string),
    };
    expect(verifier.verify(asBytes, Buffer.from(signature))).toEqual({ ok: true });
  });

  it("is the standard HMAC-SHA-256 of the signed bytes, so records signed by any release verify", () => {
    const standard = createHmac("sha256", CURRENT).update(signedBytes(record)).digest("base64url");
    expect(createEventSigner(CURRENT).sign(record)).toBe(`v1=${standard}`);
    expect(createEventVerifier([CURRENT]).verify(record, `v1=${standard}`)).toEqual({ ok: true });
  });

  it("accepts every key of a rotation, the current one first, and no other", async () => {
    const verifier = createEventVerifier([CURRENT, PREVIOUS]);
    const byPrevious = createEventSigner(PREVIOUS).sign(record);
    expect(verifier.verify(record, byPrevious)).toEqual({ ok: true });
    const byOther = createEventSigner("x".repeat(32)).sign(record);
    expect(verifier.verify(record, byOther)).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it("binds the topic, the key and every byte of the value", async () => {
    const signature = createEventSigner(CURRENT).sign(record);
    const verifier = createEventVerifier([CURRENT]);
    for (const changed of [
      { ...record, topic: "coupon-issue-requests-other" },
      { ...record, key: "coupon:8" },
      { ...record, key: null },
      { ...record, value: (record.value as string).replace('"3"', '"4"') },
      { ...record, value: `${record.value as string} ` },
      // Bytes moved between parts must not give the same message.
      { ...record, topic: `${record.topic}coupon:7`, key: "" },
    ]) {
      expect(verifier.verify(changed, signature)).toMatchObject({
        ok: false,
        reason: "mismatch",
      });
    }
  });

  it("tells an unsigned record from a malformed signature", async () => {
    const verifier = createEventVerifier([CURRENT]);
    const signature = createEventSigner(CURRENT).sign(record);
    expect(verifier.verify(record, undefined)).toMatchObject({
      ok: false,
      reason: "unsigned",
      message: `no ${EVENT_SIGNATURE_HEADER} header`,
    });
    for (const bad of [
      "",
      signature.slice(3),
      `v2=${signature.slice(3)}`,
      `${signature}A`,
      Buffer.from([0xff, 0xfe, 0x00]),
      "x".repeat(100_000),
    ]) {
      expect(verifier.verify(record, bad)).toMatchObject({ ok: false, reason: "malformed" });
    }
    // Two signature headers (Kafka headers may repeat): never picked from.
    expect(verifier.verify(record, [signature, signature])).toMatchObject({
      ok: false,
      reason: "malformed",
    });
  });

  it("needs a key to verify with", () => {
    expect(() => createEventVerifier([])).toThrow(/at least one key/);
  });
});
