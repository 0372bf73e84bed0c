// Callers who press far more than a person can: one user hammering the button, a crowd of invented
// users from one address, a flood of presses and lookups for coupons that do not exist. Each is
// answered RateLimited (or from memory), and nothing of a limited press is written: no user slot,
// no pending entry, no event, no row. The gateway runs with small limits so the tests are quick;
// its internal-API calls pass through a counter, so "PostgreSQL was not asked" is counted.
import { Redis } from "ioredis";
import { SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisKeys, type RedisKeys } from "#shared/redis/keys.ts";
import { createCountingForwarder } from "#test-support/counting-forwarder.ts";
import {
  COUPON,
  CREATE_COUPON,
  ISSUE_COUPON,
  type IssueResult,
} from "#test-support/graphql-client.ts";
import { readTopic } from "#test-support/own-kafka.ts";
import { type SystemUnderTest, startSystem } from "#test-support/system.ts";
import { uniqueSystemNames } from "#test-support/unique-name.ts";
import { waitUntil } from "#test-support/wait.ts";

const USER_CAPACITY = 4;
const ADDRESS_CAPACITY = 10;
/** One token a second: a burst of presses sees at most a token or two come back. */
const REFILL_PER_SECOND = 1;

interface Answer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

async function post<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer<T>;
}

/** The press's answer; a GraphQL error fails the test with what it said. */
async function pressOn(
  url: string,
  couponId: string,
  headers: Record<string, string>,
): Promise<IssueResult> {
  const answer = await post<{ issueCoupon: IssueResult }>(url, ISSUE_COUPON, { couponId }, headers);
  if (!answer.data?.issueCoupon) throw new Error(`press failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.issueCoupon;
}

const countOf = (answers: IssueResult[], kind: IssueResult["__typename"]) =>
  answers.filter((answer) => answer.__typename === kind).length;

let userBase = 300_000_000 + Math.floor(Math.random() * 100_000) * 1000;
const newUsers = (n: number) => Array.from({ length: n }, () => String(userBase++));

describe("development mode on loopback, behind a trusted proxy header", () => {
  let system: SystemUnderTest;
  let redis: Redis;
  let db: pg.Pool;
  let keys: RedisKeys;
  const internalApi = createCountingForwarder();
  const names = uniqueSystemNames();

  beforeAll(async () => {
    const forwarder = await internalApi.listen();
    system = await startSystem({
      workers: 1,
      names,
      extraEnv: {
        gateway: {
          RATE_LIMIT_USER_CAPACITY: String(USER_CAPACITY),
          RATE_LIMIT_USER_REFILL_PER_SECOND: String(REFILL_PER_SECOND),
          RATE_LIMIT_IP_CAPACITY: String(ADDRESS_CAPACITY),
          RATE_LIMIT_IP_REFILL_PER_SECOND: String(REFILL_PER_SECOND),
          TRUSTED_PROXY_HEADER: "x-forwarded-for",
          // Longer than any test here takes, so the count cannot depend on the machine's speed.
          UNKNOWN_COUPON_CACHE_MS: "60000",
          INTERNAL_API_URL: forwarder,
        },
      },
    });
    internalApi.forwardTo(system.internalApiUrl);
    redis = new Redis(system.env.REDIS_URL);
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
    keys = createRedisKeys(names.redisKeyPrefix);
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await system?.stop();
    await internalApi.close();
  });

  const press = (couponId: string, userId: string, headers: Record<string, string> = {}) =>
    pressOn(system.graphqlUrl, couponId, { "x-user-id": userId, ...headers });

  async function createCoupon(totalQuantity: number): Promise<string> {
    const answer = await post<{ createCoupon: { id: string } }>(
      system.graphqlUrl,
      CREATE_COUPON,
      { input: { name: "rate-limited drop", totalQuantity } },
      { "x-user-id": "1" },
    );
    if (!answer.data) throw new Error(`createCoupon failed: ${JSON.stringify(answer.errors)}`);
    return answer.data.createCoupon.id;
  }

  const couponQuery = (id: string) =>
    post<{ coupon: { id: string; name: string } | null }>(
      system.graphqlUrl,
      COUPON,
      { id },
      { "x-user-id": "1" },
    );

  /** Who Redis admitted, which events reached Kafka, and which rows PostgreSQL holds, per user. */
  async function whatWasWritten(couponId: string, expectedRows: number) {
    await waitUntil(
      async () =>
        Number(
          (
            await db.query<{ n: string }>(
              "SELECT (SELECT count(*) FROM user_coupon WHERE coupon_id = $1) + (SELECT count(*) FROM issue_failure WHERE coupon_id = $1) AS n",
              [couponId],
            )
          ).rows[0]?.n,
        ) >= expectedRows,
      { what: `${expectedRows} decided requests of coupon ${couponId}` },
    );
    const events = (await readTopic(system.env.KAFKA_BROKERS.split(","), names.issueTopic))
      .map((record) => JSON.parse(String(record.value)) as { couponId: string; userId: string })
      .filter((event) => event.couponId === couponId);
    const rows = await db.query<{ user_id: string }>(
      "SELECT user_id::text FROM user_coupon WHERE coupon_id = $1",
      [couponId],
    );
    const failures = await db.query("SELECT 1 FROM issue_failure WHERE coupon_id = $1", [couponId]);
    const coupon = keys.coupon(couponId);
    return {
      slots: Object.keys(await redis.hgetall(coupon.users)).sort(),
      records: await redis.hlen(coupon.requests),
      events: events.map((event) => event.userId).sort(),
      rows: rows.rows.map((row) => row.user_id).sort(),
      failures: failures.rowCount,
    };
  }

  describe("one user pressing in a burst", () => {
    it("gets RateLimited with a positive retryAfterMs once its bucket is empty, and no limited press is admitted", async () => {
      const couponId = await createCoupon(10);
      const [user] = newUsers(1) as [string];
      const startedAt = Date.now();
      const answers = await Promise.all(Array.from({ length: 12 }, () => press(couponId, user)));
      const refilled = Math.ceil(((Date.now() - startedAt) / 1000) * REFILL_PER_SECOND);
      expect(countOf(answers, "IssueAccepted")).toBe(1);
      const limited = answers.filter((answer) => answer.__typename === "RateLimited");
      expect(limited.length).toBeGreaterThanOrEqual(12 - USER_CAPACITY - refilled);
      expect(limited.length + countOf(answers, "AlreadyRequested") + 1).toBe(12);
      for (const answer of limited) {
        expect(answer.retryAfterMs).toBeGreaterThan(0);
        expect(answer.retryAfterMs).toBeLessThanOrEqual(1000 / REFILL_PER_SECOND);
      }
      const written = await whatWasWritten(couponId, 1);
      expect(written).toEqual({
        slots: [user],
        records: 1,
        events: [user],
        rows: [user],
        failures: 0,
      });
    });

    it("may press again after retryAfterMs", async () => {
      const couponId = await createCoupon(10);
      const [user] = newUsers(1) as [string];
      let limited: IssueResult | undefined;
      for (let i = 0; i <= USER_CAPACITY + 2 && !limited; i++) {
        const answer = await press(couponId, user);
        if (answer.__typename === "RateLimited") limited = answer;
      }
      expect(limited?.retryAfterMs).toBeGreaterThan(0);
      // What the gateway promised, not a guess: after the wait it named, the press is taken.
      await new Promise((resolve) => setTimeout(resolve, limited?.retryAfterMs));
      expect((await press(couponId, user)).__typename).toBe("AlreadyRequested");
    });
  });

  describe("many users from one client address", () => {
    const ATTACKER = "203.0.113.50";

    it("limits them per address, whatever the client writes in front of the proxy's entry, and admits none of the limited", async () => {
      const couponId = await createCoupon(100);
      const users = newUsers(30);
      const startedAt = Date.now();
      const answers = await Promise.all(
        users.map((user, i) =>
          press(couponId, user, {
            // What the client sent itself comes first; the trusted proxy appended what it saw.
            "x-forwarded-for": i % 2 === 0 ? ATTACKER : `198.51.100.${i}, ${ATTACKER}`,
          }),
        ),
      );
      const refilled = Math.ceil(((Date.now() - startedAt) / 1000) * REFILL_PER_SECOND);
      const accepted = users.filter((_, i) => answers[i]?.__typename === "IssueAccepted");
      expect(accepted.length).toBeGreaterThanOrEqual(ADDRESS_CAPACITY);
      expect(accepted.length).toBeLessThanOrEqual(ADDRESS_CAPACITY + refilled);
      expect(countOf(answers, "RateLimited")).toBe(users.length - accepted.length);
      const written = await whatWasWritten(couponId, accepted.length);
      expect(written).toEqual({
        slots: [...accepted].sort(),
        records: accepted.length,
        events: [...accepted].sort(),
        rows: [...accepted].sort(),
        failures: 0,
      });
    });

    it("gives another address a bucket of its own, and takes a limited user's press after retryAfterMs", async () => {
      const couponId = await createCoupon(100);
      const crowd = newUsers(ADDRESS_CAPACITY + 3);
      const answers: IssueResult[] = [];
      for (const user of crowd)
        answers.push(await press(couponId, user, { "x-forwarded-for": ATTACKER }));
      const limited = answers.findLastIndex((answer) => answer.__typename === "RateLimited");
      expect(limited).toBeGreaterThanOrEqual(ADDRESS_CAPACITY);
      const [neighbour] = newUsers(1) as [string];
      const elsewhere = await press(couponId, neighbour, { "x-forwarded-for": "203.0.113.51" });
      expect(elsewhere.__typename).toBe("IssueAccepted");
      await new Promise((resolve) => setTimeout(resolve, answers[limited]?.retryAfterMs));
      const again = await press(couponId, crowd[limited] as string, {
        "x-forwarded-for": ATTACKER,
      });
      expect(again.__typename).toBe("IssueAccepted");
    });
  });

  describe("loopback clients in development mode", () => {
    it("are not limited by address: three times the address's capacity of users from 127.0.0.1 are all admitted", async () => {
      const couponId = await createCoupon(100);
      const users = newUsers(ADDRESS_CAPACITY * 3);
      const answers = await Promise.all(users.map((user) => press(couponId, user)));
      expect(countOf(answers, "IssueAccepted")).toBe(users.length);
      // Nor through the proxy, when the proxy says the client is this machine.
      const [local] = newUsers(1) as [string];
      const viaProxy = await press(couponId, local, { "x-forwarded-for": "127.0.0.1" });
      expect(viaProxy.__typename).toBe("IssueAccepted");
    });
  });

  describe("coupons that do not exist", () => {
    const unknownId = () => String(7_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
    const callsFor = (id: string) =>
      internalApi.requests.filter((request) => request.includes(`/coupons/${id}`)).length;

    it("a flood of presses and coupon() queries for one unknown id reaches the internal API once", async () => {
      const couponId = unknownId();
      const users = newUsers(60);
      const answers = await Promise.all(users.map((user) => press(couponId, user)));
      expect(answers).toEqual(
        Array(60).fill({ __typename: "CouponNotAvailable", couponId, reason: "NOT_FOUND" }),
      );
      for (const user of users.slice(0, 20))
        expect(await press(couponId, user)).toMatchObject({ reason: "NOT_FOUND" });
      const queries = await Promise.all(Array.from({ length: 40 }, () => couponQuery(couponId)));
      expect(queries.every((answer) => answer.data?.coupon === null)).toBe(true);
      expect(callsFor(couponId)).toBe(1);
      // A fresh unknown id, asked only by coupon(): one call too, however many ask at once.
      const other = unknownId();
      const asked = await Promise.all(Array.from({ length: 40 }, () => couponQuery(other)));
      expect(asked.every((answer) => answer.data?.coupon === null)).toBe(true);
      expect(callsFor(other)).toBe(1);
    });

    it("a user pressing ever new unknown ids is limited after its lookup bucket, and PostgreSQL asked no more", async () => {
      const [user] = newUsers(1) as [string];
      const before = internalApi.calls;
      const startedAt = Date.now();
      const answers: IssueResult[] = [];
      for (let i = 0; i < 12; i++) answers.push(await press(unknownId(), user));
      const refilled = Math.ceil(((Date.now() - startedAt) / 1000) * REFILL_PER_SECOND);
      const notFound = countOf(answers, "CouponNotAvailable");
      expect(notFound).toBeGreaterThanOrEqual(USER_CAPACITY);
      expect(notFound).toBeLessThanOrEqual(USER_CAPACITY + refilled);
      expect(countOf(answers, "RateLimited")).toBe(12 - notFound);
      // One internal-API call per id actually looked up, none for a limited press.
      expect(internalApi.calls - before).toBe(notFound);
    });

    it("finds a coupon created after its id was found unknown, at once", async () => {
      const sequence = await db.query<{ last_value: string; is_called: boolean }>(
        "SELECT last_value::text, is_called FROM coupon_id_seq",
      );
      const { last_value, is_called } = sequence.rows[0] as {
        last_value: string;
        is_called: boolean;
      };
      const nextId = String(BigInt(last_value) + (is_called ? 1n : 0n));
      const [user] = newUsers(1) as [string];
      expect(await press(nextId, user)).toMatchObject({ reason: "NOT_FOUND" });
      expect((await couponQuery(nextId)).data?.coupon).toBeNull();
      expect(await createCoupon(5)).toBe(nextId);
      expect((await couponQuery(nextId)).data?.coupon).toMatchObject({ id: nextId });
      expect((await press(nextId, user)).__typename).toBe("IssueAccepted");
    });
  });
});

describe("JWT mode on Deno: the socket's address counts, and loopback is no exemption", () => {
  const SECRET = new TextEncoder().encode("a-jwt-secret-of-at-least-32-bytes!!");
  let system: SystemUnderTest;
  let redis: Redis;
  let keys: RedisKeys;
  const names = uniqueSystemNames();

  beforeAll(async () => {
    system = await startSystem({
      workers: 1,
      gatewayRuntime: "deno",
      names,
      extraEnv: {
        gateway: {
          AUTH_MODE: "jwt",
          JWT_SECRET: new TextDecoder().decode(SECRET),
          RATE_LIMIT_IP_CAPACITY: "5",
          RATE_LIMIT_IP_REFILL_PER_SECOND: String(REFILL_PER_SECOND),
        },
      },
    });
    redis = new Redis(system.env.REDIS_URL);
    keys = createRedisKeys(names.redisKeyPrefix);
  });
  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  });

  const bearer = async (sub: string, roles: string[] = []) => ({
    authorization: `Bearer ${await new SignJWT({
      sub,
      roles,
      exp: Math.floor(Date.now() / 1000) + 300,
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(SECRET)}`,
  });

  it("limits loopback clients by 127.0.0.1, and an x-forwarded-for the gateway does not trust changes nothing", async () => {
    const created = await post<{ createCoupon: { id: string } }>(
      system.graphqlUrl,
      CREATE_COUPON,
      { input: { name: "jwt drop", totalQuantity: 50 } },
      await bearer("1", ["admin"]),
    );
    const couponId = created.data?.createCoupon.id as string;
    expect(couponId).toBeDefined();
    const users = newUsers(12);
    const answers = await Promise.all(
      users.map(async (user, i) =>
        pressOn(system.graphqlUrl, couponId, {
          ...(await bearer(user)),
          "x-forwarded-for": `198.51.100.${i}`,
        }),
      ),
    );
    expect(countOf(answers, "IssueAccepted")).toBeGreaterThanOrEqual(5);
    expect(countOf(answers, "RateLimited")).toBeGreaterThanOrEqual(5);
    expect(countOf(answers, "IssueAccepted") + countOf(answers, "RateLimited")).toBe(12);
    // The bucket the presses took from is the socket's address, as Deno.serve reported it.
    const bucket = keys.pressBucket(couponId, { kind: "address", id: "127.0.0.1" });
    expect(await redis.pttl(bucket)).toBeGreaterThan(0);
    for (const i of [0, 11]) {
      const spoofed = keys.pressBucket(couponId, { kind: "address", id: `198.51.100.${i}` });
      expect(await redis.exists(spoofed)).toBe(0);
    }
  });
});
