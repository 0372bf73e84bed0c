import { describe, expect, it } from "vitest";
import { uuidV7 } from "./uuid-v7.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidV7", () => {
  it("is a version 7, RFC 9562 variant UUID carrying the milliseconds in its first 48 bits", () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = uuidV7(at);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(at);
    expect(uuidV7(0).slice(0, 13)).toBe("00000000-0000");
    expect(uuidV7(2 ** 48 - 1).slice(0, 13)).toBe("ffffffff-ffff");
  });

  it("orders by time, and stays unique and well formed across many refills of its random pool", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidV7(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID_V7);
    const sameMs = Array.from({ length: 2000 }, () => uuidV7(1_700_000_000_000));
    expect(new Set(sameMs).size).toBe(sameMs.length);
    // The random part varies in every hex digit position it owns.
    const randomDigits = sameMs.map((id) => id.replace(/-/g, "").slice(13));
    for (let d = 0; d < 19; d++)
      expect(new Set(randomDigits.map((r) => r[d])).size).toBeGreaterThan(3);
  });
});
