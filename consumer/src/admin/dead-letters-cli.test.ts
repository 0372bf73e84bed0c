import { describe, expect, it } from "vitest";
import type { DeadLetterJson } from "#shared/internal-api/contract.ts";
import type { InternalApiClient } from "#shared/internal-api/internal-api-client.ts";
import { formatDeadLetters, parseCliArgs, runCommand } from "./dead-letters-cli.ts";

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
          payloadLength: 2,
          payloadTruncated: false,
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
          payloadLength: 1,
          payloadTruncated: false,
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

describe("dead-letters CLI output of a hostile record", () => {
  // A record's text is whatever its producer wrote: here terminal escapes that clear the screen,
  // retitle the window and forge a line, in every field the CLI prints.
  const hostile = "\u001b[2J\u001b]0;owned\u0007\r\u001b[1Aall clear\u009b0m";
  const letter: DeadLetterJson = {
    id: "5",
    topic: "coupon-issue-requests",
    partition: 0,
    offset: "1",
    payload: hostile,
    payloadLength: hostile.length,
    payloadTruncated: false,
    couponId: "42",
    errorClass: hostile,
    errorMessage: `${hostile}\nsecond line`,
    attempts: 3,
    recordedAt: "2026-11-25T05:00:00.000Z",
    replayedAt: null,
    replayCount: 0,
  };
  const api = {
    listDeadLetters: async () => ({ deadLetters: [letter], total: 1 }),
    replayDeadLetters: async () => [
      { kind: "not-replayable" as const, id: "5", reason: hostile },
      { kind: "replayed" as const, id: "6", requestId: hostile },
    ],
  } as unknown as InternalApiClient;
  /** A character a terminal acts on, the newline between output lines aside. */
  const hasControls = (text: string) =>
    [...text].some((char) => {
      const code = char.charCodeAt(0);
      return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
    });

  it("prints no control character, whatever the command and format", async () => {
    for (const argv of [
      ["list"],
      ["list", "--json"],
      ["replay", "5"],
      ["replay", "--coupon", "42", "--json"],
    ]) {
      const parsed = parseCliArgs(argv);
      if (!parsed.ok) throw new Error(parsed.error);
      const printed = await runCommand(parsed.command, api);
      expect(hasControls(printed), argv.join(" ")).toBe(false);
      expect(printed).toMatch(/\\x1b\[2J|\\u001b\[2J/);
    }
  });

  it("keeps a table row on its line", async () => {
    const table = await runCommand({ kind: "list", couponId: null, limit: 10, json: false }, api);
    expect(table.split("\n")).toHaveLength(3);
  });
});
