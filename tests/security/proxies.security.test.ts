// An attacker who got hold of the REST proxies' credentials (a leaked token, a compromised edge
// function) tries what the proxies used to let through. Each attempt is refused, and nothing of
// the system's state changes.
import { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOPICS } from "#shared/defaults.ts";
import { couponKeyList, requestStatusChannel } from "#shared/redis/keys.ts";
import { createCoupon } from "#test-support/coupon-drop.ts";
import { createGraphqlClient, ISSUE_COUPON, REQUEST_STATUS } from "#test-support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";

let system: SystemUnderTest;
let redis: Redis;

beforeAll(async () => {
  system = await startSystem({ workers: 1 });
  redis = new Redis(system.env.REDIS_URL);
});
afterAll(async () => {
  redis.disconnect();
  await system?.stop();
});

async function redisRest(command: unknown[]) {
  const response = await fetch(system.env.REDIS_REST_URL, {
    method: "POST",
    headers: {
      authorization: `Bearer ${system.env.REDIS_REST_TOKEN}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(command),
  });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

async function kafkaRest(message: unknown) {
  const credentials = btoa(`${system.env.KAFKA_REST_USERNAME}:${system.env.KAFKA_REST_PASSWORD}`);
  const response = await fetch(`${system.env.KAFKA_REST_URL}/produce`, {
    method: "POST",
    headers: { authorization: `Basic ${credentials}`, "content-type": "application/json" },
    body: JSON.stringify(message),
  });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

/** A coupon with one request in it, settled (ISSUED), so that nothing moves while attacks run. */
async function couponWithAnIssuedRequest(userId: string) {
  const gql = createGraphqlClient(system.graphqlUrl);
  const couponId = await createCoupon(gql, 5);
  const pressed = await gql.request<{ issueCoupon: { requestId: string } }>(
    ISSUE_COUPON,
    { couponId },
    userId,
  );
  const requestId = pressed.data?.issueCoupon.requestId as string;
  const watched = await gql.subscribe<{ requestStatus: { status: string } }>(
    REQUEST_STATUS,
    { requestId },
    { userId },
  );
  expect(watched.events.at(-1)?.data?.requestStatus.status).toBe("ISSUED");
  return { couponId, requestId };
}

/** Everything Redis holds for a coupon, to show an attack changed nothing. */
async function couponState(couponId: string) {
  const [meta, users, pending, requests] = couponKeyList(couponId);
  return {
    meta: await redis.hgetall(meta as string),
    users: await redis.hgetall(users as string),
    pending: await redis.zrange(pending as string, "0", "-1"),
    requests: await redis.hgetall(requests as string),
  };
}

describe("the Redis REST proxy, with its token in the wrong hands", () => {
  it("refuses EVAL of Lua of the attacker's own: no flush, no busy loop, no forged status", async () => {
    const { couponId, requestId } = await couponWithAnIssuedRequest("4242");
    const before = await couponState(couponId);
    for (const source of [
      "return redis.call('FLUSHALL')",
      "while true do end",
      `return redis.call('PUBLISH', '${requestStatusChannel(requestId)}', '{"status":"ISSUED"}')`,
    ]) {
      const answer = await redisRest(["EVAL", source, "0"]);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/not allowed by this proxy/);
    }
    expect(await couponState(couponId)).toEqual(before);
    expect(await redis.ping()).toBe("PONG");
  });

  it("refuses commands and keys the gateway never uses", async () => {
    const { couponId } = await couponWithAnIssuedRequest("4343");
    const before = await couponState(couponId);
    const [meta, users] = couponKeyList(couponId) as [string, string];
    for (const command of [
      ["FLUSHALL"],
      ["DEL", meta],
      ["RENAME", users, "stolen"],
      ["SET", meta, "x", "EX", "60"],
      ["HSET", meta, "total", "1000000"],
      ["PUBLISH", requestStatusChannel(crypto.randomUUID()), "forged"],
      ["CONFIG", "SET", "maxmemory", "1"],
      ["SCRIPT", "FLUSH"],
    ]) {
      const answer = await redisRest(command);
      expect(answer.status, command.join(" ")).toBe(400);
      expect(answer.body.error).toMatch(/not allowed by this proxy/);
    }
    expect(await couponState(couponId)).toEqual(before);
  });

  it("refuses a subscription to anything but a request's status channel", async () => {
    for (const path of ["/subscribe/coupons:loaded", "/psubscribe/*"]) {
      const response = await fetch(system.env.REDIS_REST_URL + path, {
        method: "POST",
        headers: { authorization: `Bearer ${system.env.REDIS_REST_TOKEN}` },
        body: "[]",
      });
      expect(response.status).toBe(400);
    }
  });

  it("still serves the gateway: a press is admitted and its subscription sees it", async () => {
    const gql = createGraphqlClient(system.graphqlUrl);
    const couponId = await createCoupon(gql, 1);
    const pressed = await gql.request<{ issueCoupon: { __typename: string; requestId: string } }>(
      ISSUE_COUPON,
      { couponId },
      "4444",
    );
    expect(pressed.data?.issueCoupon.__typename).toBe("IssueAccepted");
    const watched = await gql.subscribe<{ requestStatus: { status: string } }>(
      REQUEST_STATUS,
      { requestId: pressed.data?.issueCoupon.requestId },
      { userId: "4444" },
    );
    expect(watched.events.at(-1)?.data?.requestStatus.status).toBe("ISSUED");
  });
});

describe("the Kafka REST proxy, with its password in the wrong hands", () => {
  it("refuses to write to the dead-letter topic, and nothing reaches it", async () => {
    const admin = new Kafka({
      clientId: "security-test",
      brokers: system.env.KAFKA_BROKERS.split(","),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const offsets = async () =>
        (await admin.fetchTopicOffsets(TOPICS.issueRequestsDlt)).map((p) => p.high).join(",");
      const before = await offsets();
      const answer = await kafkaRest({ topic: TOPICS.issueRequestsDlt, value: "forged" });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/unknown topic/);
      expect(await offsets()).toBe(before);
    } finally {
      await admin.disconnect();
    }
  });
});
