// An attacker's page on rebind.evil.example, whose DNS answers 127.0.0.1 once the page has loaded
// (DNS rebinding), talks to the development-mode system on this machine: the browser sends the
// attacker's name as Host. A tunnel that forwards the internet to the development gateway adds
// forwarding headers. A stolen token from last week, still within its exp, is replayed against a
// gateway that bounds a token's age. Each is refused before anything is read, and nothing is written.
import { request as httpRequest } from "node:http";
import { Redis } from "ioredis";
import { SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTERNAL_API_PREFIX } from "#shared/internal-api/contract.ts";
import { createRedisKeys } from "#shared/redis/keys.ts";
import { createCoupon, userIdBase } from "#test-support/coupon-drop.ts";
import { CREATE_COUPON, createGraphqlClient, ISSUE_COUPON } from "#test-support/graphql-client.ts";
import { readTopic } from "#test-support/own-kafka.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";
import { type SystemNames, uniqueSystemNames } from "#test-support/unique-name.ts";

interface RawAnswer {
  status: number;
  body: string;
}

/** A request whose Host header is `host`, as a rebound page's browser sends it (fetch cannot). */
function send(
  url: string,
  {
    host,
    method = "POST",
    headers = {},
    body,
  }: { host: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, host } }, (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const REBOUND = "rebind.evil.example";
const graphqlBody = (query: string, variables: Record<string, unknown> = {}) =>
  JSON.stringify({ query, variables });

describe("a development-mode system on loopback, reached by a rebound page or through a tunnel", () => {
  const names: SystemNames = uniqueSystemNames();
  let system: SystemUnderTest;
  let db: pg.Pool;
  let redis: Redis;
  let nextUser = userIdBase();

  beforeAll(async () => {
    system = await startSystem({ workers: 1, streamWorkers: 1, names });
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
    redis = new Redis(system.env.REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await system?.stop();
  });

  const gql = () => createGraphqlClient(system.graphqlUrl);
  const hostOf = (url: string) => `${REBOUND}:${new URL(url).port}`;
  const admission = async (couponId: string) => {
    const keys = createRedisKeys(names.redisKeyPrefix).coupon(couponId);
    return { users: await redis.hgetall(keys.users), requests: await redis.hgetall(keys.requests) };
  };

  it("the gateway answers 421 to the rebound name: no coupon created, no press admitted", async () => {
    const name = `rebound-${crypto.randomUUID()}`;
    const created = await send(system.graphqlUrl, {
      host: hostOf(system.graphqlUrl),
      headers: { "content-type": "application/json", "x-user-id": "1" },
      body: graphqlBody(CREATE_COUPON, { input: { name, totalQuantity: 5 } }),
    });
    expect(created.status, created.body).toBe(421);
    expect(JSON.parse(created.body).errors[0].extensions.code).toBe("HOST_NOT_ALLOWED");
    const { rows } = await db.query("SELECT count(*)::int AS n FROM coupon WHERE name = $1", [
      name,
    ]);
    expect(rows[0].n).toBe(0);

    const couponId = await createCoupon(gql(), 5);
    const before = await admission(couponId);
    const user = String(nextUser++);
    const press = await send(system.graphqlUrl, {
      host: hostOf(system.graphqlUrl),
      headers: { "content-type": "application/json", "x-user-id": user },
      body: graphqlBody(ISSUE_COUPON, { couponId }),
    });
    expect(press.status).toBe(421);
    expect(await admission(couponId)).toEqual(before);
    // The same press by a loopback name is served: the refusal was the name's.
    const served = await gql().request<{ issueCoupon: { __typename: string } }>(
      ISSUE_COUPON,
      { couponId },
      user,
    );
    expect(served.data?.issueCoupon.__typename).toBe("IssueAccepted");
  });

  it("the gateway refuses a WebSocket upgrade for the rebound name (421), or forwarded by a tunnel (403)", async () => {
    const upgrade = (headers: Record<string, string>) =>
      send(system.graphqlUrl, {
        method: "GET",
        host: headers.host ?? new URL(system.graphqlUrl).host,
        headers: {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": btoa(crypto.randomUUID().slice(0, 16)),
          "sec-websocket-protocol": "graphql-transport-ws",
          ...headers,
        },
      });
    const rebound = await upgrade({ host: hostOf(system.graphqlUrl) });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).errors[0].extensions.code).toBe("HOST_NOT_ALLOWED");
    const tunnelled = await upgrade({ "x-forwarded-for": "203.0.113.9" });
    expect(tunnelled.status).toBe(403);
    expect(JSON.parse(tunnelled.body).errors[0].extensions.code).toBe("FORWARDED_REQUEST_REFUSED");
  });

  it("the internal API and the dashboard answer 421 to it, with the right token too", async () => {
    const authorization = `Bearer ${system.env.INTERNAL_API_TOKEN}`;
    const name = `rebound-internal-${crypto.randomUUID()}`;
    for (const [method, path, body] of [
      ["GET", `${INTERNAL_API_PREFIX}/dead-letters`, undefined],
      ["POST", `${INTERNAL_API_PREFIX}/coupons`, JSON.stringify({ name, totalQuantity: 5 })],
      ["GET", "/dashboard", undefined],
    ] as const) {
      const answer = await send(`${system.internalApiUrl}${path}`, {
        method,
        host: hostOf(system.internalApiUrl),
        headers: { authorization, "content-type": "application/json" },
        body,
      });
      expect(answer.status, `${method} ${path}`).toBe(421);
      expect(JSON.parse(answer.body).error).toMatch(/is not served here/);
    }
    const { rows } = await db.query("SELECT count(*)::int AS n FROM coupon WHERE name = $1", [
      name,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it("the Redis REST and Kafka REST proxies answer 421 to it: nothing set, nothing produced", async () => {
    const key = `${names.redisKeyPrefix}rebound-${crypto.randomUUID()}`;
    const redisAnswer = await send(system.env.REDIS_REST_URL, {
      host: hostOf(system.env.REDIS_REST_URL),
      headers: {
        authorization: `Bearer ${system.env.REDIS_REST_TOKEN}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(["SET", key, "x"]),
    });
    expect(redisAnswer.status).toBe(421);
    expect(await redis.exists(key)).toBe(0);

    const value = `rebound-${crypto.randomUUID()}`;
    const credentials = btoa(`${system.env.KAFKA_REST_USERNAME}:${system.env.KAFKA_REST_PASSWORD}`);
    const kafkaAnswer = await send(`${system.env.KAFKA_REST_URL}/produce`, {
      host: hostOf(system.env.KAFKA_REST_URL),
      headers: { authorization: `Basic ${credentials}`, "content-type": "application/json" },
      body: JSON.stringify({ topic: names.issueTopic, value }),
    });
    expect(kafkaAnswer.status).toBe(421);
    const records = await readTopic(system.env.KAFKA_BROKERS.split(","), names.issueTopic);
    expect(records.some((record) => record.value?.toString() === value)).toBe(false);
  });

  it("the gateway refuses a press a tunnel forwarded (403), and admits nothing", async () => {
    const couponId = await createCoupon(gql(), 5);
    const before = await admission(couponId);
    for (const header of ["x-forwarded-for", "forwarded"]) {
      const response = await fetch(system.graphqlUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-user-id": String(nextUser++),
          [header]: header === "forwarded" ? "for=203.0.113.9" : "203.0.113.9",
        },
        body: graphqlBody(ISSUE_COUPON, { couponId }),
      });
      expect(response.status, header).toBe(403);
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe("FORWARDED_REQUEST_REFUSED");
    }
    expect(await admission(couponId)).toEqual(before);
  });
});

describe("a JWT-mode gateway with a maximum token age", () => {
  const names: SystemNames = uniqueSystemNames();
  const secret = `hs256-secret-${crypto.randomUUID()}`;
  const key = new TextEncoder().encode(secret);
  let system: SystemUnderTest;
  let redis: Redis;
  const now = () => Math.floor(Date.now() / 1000);
  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ exp: now() + 3600, ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(key);

  beforeAll(async () => {
    system = await startSystem({
      workers: 1,
      streamWorkers: 1,
      names,
      extraEnv: { gateway: { JWT_SECRET: secret, JWT_MAX_TOKEN_AGE_SECONDS: "600" } },
    });
    redis = new Redis(system.env.REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  });

  async function press(couponId: string, bearer: string) {
    const response = await fetch(system.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: graphqlBody(ISSUE_COUPON, { couponId }),
    });
    return { status: response.status, body: await response.json() };
  }

  it("refuses a token older than the limit, and one without iat, within their exp: nothing admitted", async () => {
    const admin = await token({ sub: "1", roles: ["admin"], iat: now() });
    const created = await fetch(system.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: graphqlBody(CREATE_COUPON, { input: { name: "aged tokens", totalQuantity: 5 } }),
    });
    const couponId = (await created.json()).data.createCoupon.id as string;
    const keys = createRedisKeys(names.redisKeyPrefix).coupon(couponId);
    const user = String(userIdBase());
    for (const stale of [
      await token({ sub: user, iat: now() - 7 * 24 * 3600 }),
      await token({ sub: user }),
    ]) {
      const refused = await press(couponId, stale);
      expect(refused.status).toBe(401);
      expect(refused.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
    expect(await redis.hgetall(keys.users)).toEqual({});
    const fresh = await press(couponId, await token({ sub: user, iat: now() - 60 }));
    expect(fresh.body.data.issueCoupon.__typename).toBe("IssueAccepted");
  });
});
