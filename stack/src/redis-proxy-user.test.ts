import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createAdmissionStore } from "#shared/redis/admission-store.ts";
import { createIoredisScriptTransport } from "#shared/redis/ioredis-script-transport.ts";
import { uuidV7 } from "#shared/uuid-v7.ts";
import { freePort } from "#test-support/system.ts";
import { uniqueName } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";
import { ensureProxyRedisUser, proxyRedisUser } from "./redis-proxy-user.ts";
import { ensureRedis } from "./services/redis-server.ts";

// The Redis REST proxy's ACL user, in the tests' Redis (where the user is made with ACL SETUSER,
// as for a Redis npm start finds running) and in a redis-server started and restarted here.
const testRedisUrl = inject("testEnv").REDIS_URL;
const clients: Redis[] = [];
const connect = (url: string) => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
};
afterAll(() => {
  for (const client of clients) client.disconnect();
});

const NOPERM = /^NOPERM/;

describe("the Redis REST proxy's ACL user", () => {
  it("may not flush, reconfigure, migrate or administer, not even from inside a script", async () => {
    const { url, commands } = await ensureProxyRedisUser(testRedisUrl, { log: () => undefined });
    expect(new URL(url)).toMatchObject({ username: "coupon-redis-rest" });
    expect(commands).toContain("evalsha");
    const proxy = connect(url);
    const refused: Array<[string, ...string[]]> = [
      ["FLUSHALL"],
      ["FLUSHDB"],
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SCRIPT", "FLUSH"],
      ["SCRIPT", "KILL"],
      ["FUNCTION", "FLUSH"],
      ["MIGRATE", "127.0.0.1", "1", "k", "0", "1000"],
      ["REPLICAOF", "NO", "ONE"],
      ["BGSAVE"],
      ["ACL", "LIST"],
      ["SHUTDOWN", "NOSAVE"],
      ["KEYS", "*"],
      ["SWAPDB", "0", "1"],
      ["CLIENT", "KILL", "TYPE", "normal"],
    ];
    for (const [name, ...args] of refused)
      await expect(proxy.call(name, ...args), `${name} ${args.join(" ")}`).rejects.toThrow(NOPERM);
    // Scripts run with their caller's ACL: the script runs, its FLUSHALL does not (Redis 7.0 says
    // so in words of its own, later versions with NOPERM).
    const admin = connect(testRedisUrl);
    const sentinel = uniqueName("acl-test-sentinel");
    await admin.set(sentinel, "still here", "EX", 60);
    await expect(proxy.eval("return redis.call('FLUSHALL')", 0)).rejects.toThrow(
      /NOPERM|user executing the script can't run this command/,
    );
    await expect(proxy.eval("return redis.call('FLUSHDB')", 0)).rejects.toThrow(
      /NOPERM|user executing the script can't run this command/,
    );
    expect(await admin.get(sentinel)).toBe("still here");
    expect(await connect(testRedisUrl).ping()).toBe("PONG");
  });

  it("still runs every project script and pub/sub, as the gateway does through the proxy", async () => {
    const { url } = await ensureProxyRedisUser(testRedisUrl, { log: () => undefined });
    const store = createAdmissionStore(createIoredisScriptTransport(connect(url)), {
      keyPrefix: `${uniqueName("acl-test")}:`,
    });
    const couponId = "7";
    const coupon = (id: string) => ({
      couponId: id,
      totalQuantity: 1,
      issuedCount: 0,
      startsAt: null,
      endsAt: null,
      issued: [],
    });
    await store.load(coupon(couponId));
    const request = {
      couponId,
      userId: "3",
      requestId: uuidV7(),
      requestedAt: new Date().toISOString(),
    };
    expect(await store.admit(request)).toMatchObject({ kind: "accepted" });
    expect(await store.readCoupon(couponId)).toMatchObject({ pending: 1 });
    expect(await store.pendingBefore(couponId, Date.now() + 1000, 10)).toHaveLength(1);

    const subscriber = connect(url);
    const messages: string[] = [];
    subscriber.on("message", (_, message: string) => messages.push(message));
    await subscriber.subscribe(store.keys.statusChannel(request.requestId));
    await store.claim(couponId, [request.requestId]);
    await store.settle(
      couponId,
      [{ request, outcome: { kind: "issued", issuedAt: new Date() } }],
      1,
    );
    await waitUntil(() => messages.length > 0, { what: "the status published by settle.lua" });
    expect(await store.readRequest(couponId, request.requestId)).toMatchObject({
      status: "ISSUED",
    });

    // A REDIS_STREAM coupon: admit.lua appends to its stream as this user (scripts run with their
    // caller's ACL), while the user itself cannot write a stream (the policy refuses it before).
    const streamed = "8";
    await store.load({ ...coupon(streamed), pipeline: "REDIS_STREAM" });
    expect(
      await store.admit({ ...request, couponId: streamed, requestId: uuidV7() }),
    ).toMatchObject({ kind: "accepted", pipeline: "REDIS_STREAM" });
    expect(await connect(testRedisUrl).xlen(store.keys.coupon(streamed).stream)).toBe(1);
  });

  it("is made again in a redis-server started here, so the proxy gets in after a restart", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    let server = await ensureRedis(url, () => undefined);
    try {
      const proxyUrl = new URL(url);
      const user = proxyRedisUser();
      proxyUrl.username = user.name;
      proxyUrl.password = user.password;
      expect(await connect(proxyUrl.toString()).ping()).toBe("PONG");
      server.process?.kill("SIGKILL");
      await new Promise((resolve) => server.process?.once("exit", resolve));
      server = await ensureRedis(url, () => undefined);
      // Declared on its command line this time: there before the first connection.
      expect(server.process?.spawnargs).toContain("--user");
      const again = connect(proxyUrl.toString());
      expect(await again.ping()).toBe("PONG");
      await expect(again.flushall()).rejects.toThrow(NOPERM);
    } finally {
      await server.stop();
    }
  });

  it("is not made where the given user may not, and the proxy keeps the given URL", async () => {
    const { url: proxyUrl } = await ensureProxyRedisUser(testRedisUrl, { log: () => undefined });
    const lines: string[] = [];
    // The proxy's own user has no ACL rights: as a managed Redis may grant none.
    const access = await ensureProxyRedisUser(proxyUrl, {
      user: { name: "another-proxy-user", password: "p".repeat(32) },
      log: (line) => lines.push(line),
    });
    expect(access).toEqual({ url: proxyUrl, commands: null });
    expect(lines).toEqual([
      expect.stringMatching(
        /^could not create the Redis ACL user another-proxy-user for the Redis REST proxy \(NOPERM.*REDIS_URL's own user/,
      ),
    ]);
  });
});
