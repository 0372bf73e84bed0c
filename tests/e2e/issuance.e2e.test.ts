import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREATE_COUPON,
  createGraphqlClient,
  ISSUE_COUPON,
  ISSUE_REQUEST,
  type IssueResult,
} from "../support/graphql-client.ts";
import { expectRaceIssuesExactly, expectSubscriptionSeesIssued } from "../support/issuance-race.ts";
import { issuanceSnapshot } from "../support/issuance-snapshot.ts";
import { replayWholeTopic } from "../support/replay-topic.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";
import { waitUntil } from "../support/wait.ts";

const runtimes = ["deno", "node", "workers"] as const;
// Both pipelines run side by side in one system (issue workers and stream workers); each coupon
// goes the way it was created with.
const pipelines = ["KAFKA", "REDIS_STREAM"] as const;
type Pipeline = (typeof pipelines)[number];

describe.each(runtimes)("issuance end to end, gateway on %s", (runtime) => {
  let system: SystemUnderTest;
  let db: pg.Pool;
  let gql: ReturnType<typeof createGraphqlClient>;

  beforeAll(async () => {
    // Topics, groups and keys of its own: nothing another file produced reaches these workers.
    system = await startSystem({ gatewayRuntime: runtime, workers: 3, names: uniqueSystemNames() });
    gql = createGraphqlClient(system.graphqlUrl);
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await db?.end();
    await system?.stop();
  });

  async function createCoupon(
    totalQuantity: number,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const reply = await gql.request<{ createCoupon: { id: string; pipeline: Pipeline } }>(
      CREATE_COUPON,
      { input: { name: `e2e ${runtime} ${totalQuantity}`, totalQuantity, ...extra } },
    );
    expect(reply.errors).toBeUndefined();
    // The system's rollout is 0 %: a coupon created without a pipeline gets KAFKA.
    expect(reply.data?.createCoupon.pipeline).toBe(extra.pipeline ?? "KAFKA");
    return reply.data?.createCoupon.id as string;
  }

  async function issue(couponId: string, userId: string): Promise<IssueResult> {
    const reply = await gql.request<{ issueCoupon: IssueResult }>(
      ISSUE_COUPON,
      { couponId },
      userId,
    );
    if (reply.errors) throw new Error(JSON.stringify(reply.errors));
    return reply.data?.issueCoupon as IssueResult;
  }

  async function rowCount(couponId: string): Promise<number> {
    const { rows } = await db.query(
      "SELECT count(*)::int AS n FROM user_coupon WHERE coupon_id = $1",
      [couponId],
    );
    return rows[0].n;
  }

  it.each(pipelines)(
    "the race on %s: 2,000 requests from 1,500 users for 300 coupons issue exactly 300, one per user",
    async (pipeline) => {
      await expectRaceIssuesExactly({ gql, db, total: 300, users: 1500, twice: 500, pipeline });
    },
  );

  // The topic holds this system's requests (this test's own at least); the runtime does not matter
  // to a replay.
  it.runIf(runtime === "node")("replaying the whole topic from offset 0 adds no row", async () => {
    const couponId = await createCoupon(2);
    for (const userId of ["601", "602"])
      expect((await issue(couponId, userId)).__typename).toBe("IssueAccepted");
    await waitUntil(async () => (await rowCount(couponId)) === 2, {
      timeoutMs: 30_000,
      what: "this test's two rows in user_coupon",
    });
    const before = await issuanceSnapshot(db);
    expect(before.rows).toBeGreaterThan(0);
    await replayWholeTopic(system);
    expect(await issuanceSnapshot(db)).toEqual(before);
  });

  it("logs through pino, without the warnings it once printed", () => {
    const text = system.lines.join("\n");
    // kafkajs's negative timer (Node's TimeoutNegativeWarning), its partitioner notice, and Deno's
    // notice about request.signal: fixed where they came from, not filtered out.
    expect(text).not.toMatch(/TimeoutNegativeWarning|switched default partitioner|request\.signal/);
    // The Node processes' lines are pino's, readable outside production.
    expect(text).toMatch(/\[control\] \[\d\d:\d\d:\d\d\.\d{3}\] INFO: control internal API on /);
  });

  it.each(pipelines)(
    "on %s, a subscription sees PENDING, then ISSUED, and completes",
    async (pipeline) => {
      await expectSubscriptionSeesIssued({ gql, system, pipeline });
    },
  );

  it("answers bad input with a clear GraphQL error, not a 500", async () => {
    for (const couponId of ["abc", "-1", "0", "1.5", "99999999999999999999"]) {
      const reply = await gql.request(ISSUE_COUPON, { couponId }, "1");
      expect(reply.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(reply.errors?.[0]?.message).toMatch(/couponId/);
    }
    const anonymous = await gql.request(ISSUE_COUPON, { couponId: "1" });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const badRequest = await gql.request(ISSUE_REQUEST, { requestId: "not-a-uuid" });
    expect(badRequest.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const badCoupon = await gql.request(CREATE_COUPON, { input: { name: "x", totalQuantity: 0 } });
    expect(badCoupon.errors?.[0]?.message).toMatch(/totalQuantity/);
  });

  it("answers an unknown coupon, one not started and one ended with CouponNotAvailable", async () => {
    expect(await issue("987654321987", "1")).toMatchObject({
      __typename: "CouponNotAvailable",
      reason: "NOT_FOUND",
    });
    const later = await createCoupon(3, {
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(await issue(later, "1")).toMatchObject({
      __typename: "CouponNotAvailable",
      reason: "NOT_STARTED",
    });
    const past = await createCoupon(3, {
      startsAt: new Date(Date.now() - 7_200_000).toISOString(),
      endsAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(await issue(past, "1")).toMatchObject({
      __typename: "CouponNotAvailable",
      reason: "ENDED",
    });
  });

  it.each(pipelines)(
    "on %s, coupon() shows issuedCount from PostgreSQL and remaining from Redis",
    async (pipeline) => {
      const couponId = await createCoupon(4, { pipeline });
      const first = await issue(couponId, "501");
      await waitUntil(async () => (await rowCount(couponId)) === 1, {
        timeoutMs: 15_000,
        what: "one row",
      });
      const reply = await gql.request<{ coupon: { issuedCount: number; remaining: number } }>(
        `query($id: ID!) { coupon(id: $id) { issuedCount remaining pipeline } }`,
        { id: couponId },
      );
      expect(first.__typename).toBe("IssueAccepted");
      expect(reply.data?.coupon).toEqual({ issuedCount: 1, remaining: 3, pipeline });
    },
  );
});
