import { describe, expect, it } from "vitest";
import { formatDeadLetters, parseCliArgs } from "./dead-letters-cli.ts";

describe("dead-letters CLI arguments", () => {
  it("reads list, with and without filters", () => {
    expect(parseCliArgs(["list"])).toEqual({
      ok: true,
      command: { kind: "list", couponId: null, limit: 100, json: false },
    });
    expect(parseCliArgs(["list", "--coupon", "42", "--limit", "5", "--json"])).toEqual({
      ok: true,
      command: { kind: "list", couponId: "42", limit: 5, json: true },
    });
  });

  it("reads a replay of one dead letter or of a coupon's", () => {
    expect(parseCliArgs(["replay", "17"])).toEqual({
      ok: true,
      command: { kind: "replay-one", id: "17", json: false },
    });
    expect(parseCliArgs(["replay", "--coupon", "9"])).toEqual({
      ok: true,
      command: { kind: "replay-coupon", couponId: "9", json: false },
    });
  });

  it("refuses what it cannot mean, saying why", () => {
    const error = (argv: string[]) => {
      const parsed = parseCliArgs(argv);
      return parsed.ok ? "accepted" : parsed.error;
    };
    expect(error([])).toBe("no command given");
    expect(error(["purge"])).toBe("unknown command purge");
    expect(error(["replay"])).toMatch(/dead letter id or --coupon/);
    expect(error(["replay", "abc"])).toMatch(/dead letter id or --coupon/);
    expect(error(["replay", "3", "--coupon", "4"])).toMatch(/not both/);
    expect(error(["list", "--limit", "0"])).toMatch(/--limit/);
    expect(error(["list", "--coupon", "-5"])).toMatch(/--coupon/);
    expect(error(["list", "--verbose"])).toMatch(/verbose/);
    expect(error(["list", "7"])).toMatch(/no argument/);
  });
});

describe("dead-letters table", () => {
  it("lines up one dead letter per row and counts them", () => {
    const table = formatDeadLetters(
      [
        {
          id: "3",
          topic: "coupon-issue-requests",
          partition: 0,
          offset: "17",
          payload: "{}",
          couponId: "42",
          errorClass: "CouponNotFound",
          errorMessage: "coupon 42 does not exist in PostgreSQL",
          attempts: 3,
          recordedAt: "2026-11-25T05:00:00.000Z",
          replayedAt: null,
          replayCount: 0,
        },
        {
          id: "12",
          topic: "coupon-issue-requests",
          partition: 2,
          offset: "99",
          payload: "{",
          couponId: null,
          errorClass: "InvalidJson",
          errorMessage: "Unexpected token",
          attempts: 1,
          recordedAt: "2026-11-25T05:01:00.000Z",
          replayedAt: "2026-11-25T05:02:00.000Z",
          replayCount: 2,
        },
      ],
      7,
    );
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^id\s+coupon\s+error\s+attempts\s+recorded\s+replayed$/);
    expect(lines[1]).toMatch(
      /^3\s+42\s+CouponNotFound: coupon 42 does not exist in PostgreSQL\s+3\s+2026-11-25T05:00:00.000Z\s+no$/,
    );
    expect(lines[2]).toMatch(/^12\s+-\s+InvalidJson: Unexpected token\s+1\s+.*\(2×\)$/);
    // Columns line up: every row's "attempts" cell starts where the header's does.
    const column = (lines[0] as string).indexOf("attempts");
    expect((lines[1] as string).slice(column, column + 1)).toBe("3");
    expect((lines[2] as string).slice(column, column + 1)).toBe("1");
    expect(lines.at(-1)).toBe("2 shown, 7 recorded in all");
  });
});
