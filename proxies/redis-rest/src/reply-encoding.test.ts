import { describe, expect, it } from "vitest";
import { encodeReply } from "./reply-encoding.ts";

describe("encodeReply", () => {
  const bytes = Buffer.from([0xff, 0x00, 0xfe]);

  it("base64-encodes every string at every depth; integers stay numbers, nil stays null", () => {
    expect(encodeReply([Buffer.from("OK"), 7, null, [bytes, [Buffer.from("1.5")]]], true)).toEqual([
      "T0s=",
      7,
      null,
      ["/wD+", ["MS41"]],
    ]);
  });

  it("answers UTF-8 strings without base64", () => {
    expect(encodeReply([Buffer.from("쿠폰"), 1], false)).toEqual(["쿠폰", 1]);
  });

  it("turns a nested error into its message, never an object", () => {
    expect(encodeReply([new Error("ERR boom")], false)).toEqual(["ERR boom"]);
  });
});
