import { describe, expect, it } from "vitest";
import { backoffMs, isRetriable } from "./retry-policy.ts";

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

describe("isRetriable", () => {
  it("trusts only an explicit retriable flag", () => {
    expect(isRetriable(Object.assign(new Error("x"), { retriable: true }))).toBe(true);
    expect(isRetriable(Object.assign(new Error("x"), { retriable: false }))).toBe(false);
    expect(isRetriable(new Error("connection terminated"))).toBe(false);
    expect(isRetriable(null)).toBe(false);
  });
});
