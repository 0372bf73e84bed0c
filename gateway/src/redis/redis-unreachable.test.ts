import { describe, expect, it } from "vitest";
import { isRedisUnreachable } from "./redis-unreachable.ts";

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe("isRedisUnreachable", () => {
  it("is true for the proxy's 503 and for a proxy that does not answer", () => {
    expect(
      isRedisUnreachable(
        named(
          "UpstashError",
          'Redis is unavailable (connect ECONNREFUSED); try again shortly, command was: ["evalsha"]',
        ),
      ),
    ).toBe(true);
    expect(isRedisUnreachable(named("UpstashError", "LOADING Redis is loading the dataset"))).toBe(
      true,
    );
    expect(isRedisUnreachable(new TypeError("fetch failed"))).toBe(true);
    expect(isRedisUnreachable(new TypeError("error sending request for url (http://x/)"))).toBe(
      true,
    );
  });

  it("is false for what Redis answered and for bugs", () => {
    expect(
      isRedisUnreachable(named("UpstashError", "ERR Error running script, command was: []")),
    ).toBe(false);
    expect(isRedisUnreachable(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isRedisUnreachable("fetch failed")).toBe(false);
  });
});
