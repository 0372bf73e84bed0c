import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssues, fieldIssues, parseOrThrow } from "./describe-issues.ts";

const schema = z.object({
  name: z.string().min(1, "name must not be empty"),
  items: z.array(z.object({ topic: z.string() })),
});

describe("describeIssues", () => {
  it("names each issue by its dotted path, the value itself as (root), in one line", () => {
    const nested = schema.safeParse({ name: "", items: [{ topic: 1 }] });
    expect(nested.success).toBe(false);
    if (nested.success) return;
    expect(describeIssues(nested.error)).toBe(
      "name: name must not be empty; items.0.topic: Invalid input: expected string, received number",
    );
    const root = schema.safeParse("text");
    if (root.success) throw new Error("a string is no object");
    expect(fieldIssues(root.error)).toEqual([
      { field: "(root)", message: "Invalid input: expected object, received string" },
    ]);
  });

  it("formats issues already taken apart the same way", () => {
    expect(
      describeIssues([
        { field: "name", message: "too long" },
        { field: "(root)", message: "bad" },
      ]),
    ).toBe("name: too long; (root): bad");
  });
});

describe("parseOrThrow", () => {
  it("returns the parsed value, or throws 'invalid <what>: <issues>' as the error asked for", () => {
    expect(parseOrThrow(schema, { name: "a", items: [] }, "thing")).toEqual({
      name: "a",
      items: [],
    });
    expect(() => parseOrThrow(schema, { name: "", items: [] }, "thing")).toThrow(
      new Error("invalid thing: name: name must not be empty"),
    );
    class Refusal extends Error {}
    expect(() => parseOrThrow(schema, {}, "thing", (message) => new Refusal(message))).toThrow(
      Refusal,
    );
  });
});
