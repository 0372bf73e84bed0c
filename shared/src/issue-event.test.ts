import { describe, expect, it } from "vitest";
import { decodeIssueEvent, encodeIssueEvent, type IssueEvent } from "./issue-event.ts";
import { uuidV7 } from "./uuid-v7.ts";

const valid: IssueEvent = {
  requestId: uuidV7(),
  userId: "42",
  couponId: "7",
  requestedAt: "2026-12-01T12:00:00.123Z",
  source: "API",
};

describe("issue event schema", () => {
  it("round-trips the pinned shape, with our schema version", () => {
    const encoded = encodeIssueEvent(valid);
    expect(JSON.parse(encoded)).toEqual({ ...valid, schemaVersion: 1 });
    expect(decodeIssueEvent(encoded)).toEqual({ ok: true, event: { ...valid, schemaVersion: 1 } });
    expect(decodeIssueEvent(new TextEncoder().encode(JSON.stringify(valid)))).toEqual({
      ok: true,
      event: valid,
    });
  });

  it("tells invalid JSON from a schema mismatch, without throwing", () => {
    expect(decodeIssueEvent("{oops")).toMatchObject({ ok: false, error: "invalid-json" });
    expect(decodeIssueEvent(null)).toMatchObject({ ok: false, error: "schema-mismatch" });
    for (const bad of [
      { ...valid, userId: 42 },
      { ...valid, userId: "0" },
      { ...valid, couponId: "-1" },
      { ...valid, requestId: "nope" },
      { ...valid, source: "CRON" },
      { ...valid, requestedAt: "yesterday" },
      { ...valid, schemaVersion: 2 },
    ]) {
      const result = decodeIssueEvent(JSON.stringify(bad));
      expect(result).toMatchObject({ ok: false, error: "schema-mismatch" });
    }
  });

  it("UUIDv7 ids are time-ordered RFC 9562 version 7", () => {
    const a = uuidV7(1_000);
    const b = uuidV7(2_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
  });
});
