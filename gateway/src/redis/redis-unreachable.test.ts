import { errors } from "@upstash/redis";
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "#shared/errors/dependency-unavailable-error.ts";
import { PermanentError } from "#shared/errors/permanent-error.ts";
import { isRedisUnreachable, toRedisError } from "./redis-unreachable.ts";

const upstash = (message: string) => new errors.UpstashError(message);

describe("isRedisUnreachable", () => {
  it("is true for the proxy's 503 and for a proxy that does not answer", () => {
    expect(
      isRedisUnreachable(
        upstash(
          'Redis is unavailable (connect ECONNREFUSED); try again shortly, command was: ["evalsha"]',
        ),
      ),
    ).toBe(true);
    expect(isRedisUnreachable(upstash("LOADING Redis is loading the dataset"))).toBe(true);
    expect(isRedisUnreachable(new TypeError("fetch failed"))).toBe(true);
    expect(isRedisUnreachable(new TypeError("error sending request for url (http://x/)"))).toBe(
      true,
    );
  });

  it("is true for Redis's own 'not now' on one command of an automatic pipeline", () => {
    expect(
      isRedisUnreachable(upstash("Command failed: LOADING Redis is loading the dataset")),
    ).toBe(true);
  });

  it("is false for what Redis answered and for bugs", () => {
    expect(isRedisUnreachable(upstash("ERR Error running script, command was: []"))).toBe(false);
    expect(isRedisUnreachable(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isRedisUnreachable("fetch failed")).toBe(false);
  });

  it("goes by the error's type: a message alike on another error is not Redis's", () => {
    const lookalike = new Error("Redis is unavailable; try again shortly");
    lookalike.name = "UpstashError";
    expect(isRedisUnreachable(lookalike)).toBe(false);
  });
});

describe("toRedisError", () => {
  it("raises Redis out of reach as retriable, with the client's error as its cause", () => {
    const cause = new TypeError("fetch failed");
    const error = toRedisError(cause);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ retriable: true, cause });
  });

  it("raises what Redis answered as permanent, and leaves a bug as it is", () => {
    const cause = upstash("ERR Error running script, command was: []");
    const error = toRedisError(cause);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ retriable: false, cause });
    const bug = new TypeError("Cannot read properties of undefined");
    expect(toRedisError(bug)).toBe(bug);
  });
});
