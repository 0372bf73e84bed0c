import { describe, expect, it } from "vitest";
import { terminalSafe, terminalSafeJson } from "./terminal-text.ts";

const ESC = "\u001b";

/** Any character a terminal acts on: C0 (tab and newline too), DEL, C1. */
const hasControls = (text: string) =>
  [...text].some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
// Clears the screen, retitles the window, then writes a fake line over the cursor's line.
const HOSTILE = `${ESC}[2J${ESC}]0;pwned\u0007\r${ESC}[1Aall dead letters replayed\u009b31m\u007f\u0000`;

describe("terminalSafe", () => {
  it("makes every C0 and C1 control and DEL visible, and leaves nothing a terminal acts on", () => {
    const safe = terminalSafe(HOSTILE);
    expect(safe).toBe(
      "\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\x1b[1Aall dead letters replayed\\x9b31m\\x7f\\x00",
    );
    expect(hasControls(safe)).toBe(false);
  });

  it("keeps newline and tab, unless the text must stay on one line", () => {
    expect(terminalSafe("line 1\n\tline 2")).toBe("line 1\n\tline 2");
    expect(terminalSafe("line 1\n\tline 2", { singleLine: true })).toBe("line 1\\x0a\\x09line 2");
  });

  it("leaves ordinary text alone, non-ASCII included", () => {
    expect(terminalSafe("coupon 42 does not exist — 선착순 쿠폰 ×3")).toBe(
      "coupon 42 does not exist — 선착순 쿠폰 ×3",
    );
  });
});

describe("terminalSafeJson", () => {
  it("escapes what JSON.stringify leaves raw, and reads back to the same value", () => {
    const value = { errorMessage: HOSTILE };
    const json = terminalSafeJson(value);
    expect(hasControls(json)).toBe(false);
    expect(JSON.parse(json)).toEqual(value);
  });
});
