// Defence in depth behind the Redis REST proxy's command policy: should anything get past it (a bug
// in the policy, a compromised proxy host using its Redis credentials), Redis itself refuses to
// flush, reconfigure, migrate or administer for the proxy's connection, and a script runs with its
// caller's rights, so a script calling FLUSHALL fails too. Nothing is flushed.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCoupon } from "#test-support/coupon-drop.ts";
import { createGraphqlClient, ISSUE_COUPON } from "#test-support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";
import { uniqueName } from "#test-support/unique-name.ts";

let system: SystemUnderTest;
let admin: Redis;
let proxyUser: Redis;

beforeAll(async () => {
  system = await startSystem({ workers: 1 });
  admin = new Redis(system.env.REDIS_URL);
  // What the proxy connects with: the attacker on the proxy's host has it.
  proxyUser = new Redis(system.redisRestRedisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  admin?.disconnect();
  proxyUser?.disconnect();
  await system?.stop();
});

// Redis 7.0 words a refusal inside a script in its own way; later versions say NOPERM there too.
const REFUSED = /^NOPERM|user executing the script can't run this command/;

describe("the Redis REST proxy's own Redis connection", () => {
  it("runs as its own ACL user, not as REDIS_URL's", async () => {
    expect(new URL(system.redisRestRedisUrl).username).toBe("coupon-redis-rest");
    const clients = String(await admin.call("CLIENT", "LIST"))
      .split("\n")
      .filter((line) => / name=redis-rest-/.test(line));
    expect(clients.length).toBeGreaterThanOrEqual(2);
    for (const client of clients) expect(client).toMatch(/ user=coupon-redis-rest /);
  });

  it("with the proxy's credentials, cannot flush, reconfigure or flush scripts, not even from a script", async () => {
    const sentinel = uniqueName("redis-acl-security");
    await admin.set(sentinel, "still here", "EX", 300);
    for (const [command, ...args] of [
      ["FLUSHALL"],
      ["FLUSHDB"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["CONFIG", "GET", "requirepass"],
      ["SCRIPT", "FLUSH"],
      ["MIGRATE", "127.0.0.1", "6380", sentinel, "0", "1000"],
      ["ACL", "SETUSER", "coupon-redis-rest", "+@all"],
      ["SHUTDOWN", "NOSAVE"],
    ] as Array<[string, ...string[]]>)
      await expect(proxyUser.call(command, ...args), command).rejects.toThrow(/^NOPERM/);
    await expect(proxyUser.eval("return redis.call('FLUSHALL')", 0)).rejects.toThrow(REFUSED);
    expect(await admin.get(sentinel)).toBe("still here");
    expect(await admin.call("CONFIG", "GET", "maxmemory")).not.toEqual(["maxmemory", "1"]);
  });

  it("still serves the gateway: a press is admitted through the proxy", async () => {
    const gql = createGraphqlClient(system.graphqlUrl);
    const couponId = await createCoupon(gql, 1);
    const pressed = await gql.request<{ issueCoupon: { __typename: string } }>(
      ISSUE_COUPON,
      { couponId },
      "4545",
    );
    expect(pressed.data?.issueCoupon.__typename).toBe("IssueAccepted");
  });
});
