import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "../errors/dependency-unavailable-error.ts";
import { PermanentError } from "../errors/permanent-error.ts";
import { createIoredisScriptTransport } from "./ioredis-script-transport.ts";
import type { LuaScript } from "./script-transport.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
afterAll(() => redis.quit());

// Not one of the admission scripts: a script Redis refuses to run. The SHA is never loaded, so the
// transport also goes through its NOSCRIPT fallback on the way.
const broken: LuaScript = {
  name: "admit",
  source: "return redis.call('no-such-command')",
  sha1: "0000000000000000000000000000000000000000",
};

describe("ioredis script transport errors", () => {
  it("raises what Redis itself refused as permanent, keeping Redis's reply as the cause", async () => {
    const error = await createIoredisScriptTransport(redis)
      .evalScript(broken, [], [])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ retriable: false, cause: { name: "ReplyError" } });
  });

  it("raises a Redis that cannot be reached as retriable, keeping the client's error as the cause", async () => {
    const away = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    away.on("error", () => undefined);
    try {
      const error = await createIoredisScriptTransport(away)
        .evalScript(broken, [], [])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ retriable: true, cause: expect.any(Error) });
    } finally {
      away.disconnect();
    }
  });
});
