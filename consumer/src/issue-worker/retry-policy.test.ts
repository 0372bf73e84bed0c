import { describe, expect, it } from "vitest";
import { backoffMs } from "./retry-policy.ts";

describe("backoffMs", () => {
  it("doubles per attempt between half and all of the ceiling, and stops at the cap", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 10_000, () => 0))).toEqual([
      500, 1000, 2000, 4000,
    ]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 10_000, () => 1))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect(backoffMs(20, 1000, 10_000, () => 1)).toBe(10_000);
    expect(backoffMs(20, 1000, 10_000, () => 0)).toBe(5000);
  });
});
