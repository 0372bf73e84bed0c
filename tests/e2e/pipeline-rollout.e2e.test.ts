// The seed's gradual switch on a running system: ISSUE_PIPELINE_ROLLOUT_PERCENT picks the pipeline
// of each coupon created without one, both worker kinds persist side by side, and a new percentage
// (the control process restarted with it) moves only the coupons created after it.
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IssuePipeline } from "#shared/issue-pipeline.ts";
import { createRedisKeys } from "#shared/redis/keys.ts";
import { userIdBase } from "../support/coupon-drop.ts";
import {
  COUPON,
  CREATE_COUPON,
  createGraphqlClient,
  ISSUE_COUPON,
  ISSUE_REQUEST,
  type IssueResult,
} from "../support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";
import { mapWithConcurrency, waitUntil } from "../support/wait.ts";

interface Created {
  id: string;
  pipeline: IssuePipeline;
}

describe("the pipeline rollout on a running system", () => {
  const names = uniqueSystemNames();
  const keys = createRedisKeys(names.redisKeyPrefix);
  let system: SystemUnderTest;
  let db: pg.Pool;
  let redis: Redis;
  let gql: ReturnType<typeof createGraphqlClient>;

  beforeAll(async () => {
    system = await startSystem({
      workers: 1,
      streamWorkers: 1,
      names,
      extraEnv: { control: { ISSUE_PIPELINE_ROLLOUT_PERCENT: "50" } },
    });
    gql = createGraphqlClient(system.graphqlUrl);
    db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 2 });
    redis = new Redis(system.env.REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await system?.stop();
  });

  /** `count` coupons created without naming a pipeline: the rollout picks. */
  async function createUnnamed(count: number, totalQuantity: number): Promise<Created[]> {
    return mapWithConcurrency(Array.from({ length: count }), 4, async () => {
      const reply = await gql.request<{ createCoupon: Created }>(CREATE_COUPON, {
        input: { name: "rolled out", totalQuantity },
      });
      expect(reply.errors).toBeUndefined();
      return reply.data?.createCoupon as Created;
    });
  }

  /** What PostgreSQL and the API say each coupon's pipeline is, now. */
  async function pipelinesNow(coupons: Created[]): Promise<Array<[IssuePipeline, IssuePipeline]>> {
    const { rows } = await db.query<{ id: string; pipeline: IssuePipeline }>(
      "SELECT id::text AS id, pipeline FROM coupon WHERE id = ANY($1::bigint[])",
      [coupons.map((c) => c.id)],
    );
    const stored = new Map(rows.map((row) => [row.id, row.pipeline]));
    return mapWithConcurrency(coupons, 4, async ({ id }) => {
      const reply = await gql.request<{ coupon: { pipeline: IssuePipeline } }>(COUPON, { id });
      return [stored.get(id) as IssuePipeline, reply.data?.coupon.pipeline as IssuePipeline];
    });
  }

  /** `users` presses on each coupon, every one accepted: the request ids with their users. */
  async function pressAll(coupons: Created[], users: number): Promise<Map<string, string>> {
    const base = userIdBase();
    const presses = coupons.flatMap(({ id }) =>
      Array.from({ length: users }, (_, i) => ({ couponId: id, userId: String(base + i) })),
    );
    const requests = new Map<string, string>();
    await mapWithConcurrency(presses, 20, async ({ couponId, userId }) => {
      const reply = await gql.request<{ issueCoupon: IssueResult }>(
        ISSUE_COUPON,
        { couponId },
        userId,
      );
      expect(reply.data?.issueCoupon.__typename).toBe("IssueAccepted");
      requests.set(reply.data?.issueCoupon.requestId as string, userId);
    });
    return requests;
  }

  async function rowsOf(couponId: string): Promise<number> {
    const { rows } = await db.query(
      "SELECT count(*)::int AS n FROM user_coupon WHERE coupon_id = $1",
      [couponId],
    );
    return rows[0].n;
  }

  /** Waits for `each` rows on every coupon; on the deadline, says which coupon has how many. */
  async function waitForRows(coupons: Created[], each: number, what: string): Promise<void> {
    const counts = () => Promise.all(coupons.map((c) => rowsOf(c.id)));
    await waitUntil(async () => (await counts()).every((n) => n === each), {
      timeoutMs: 90_000,
      what,
    }).catch(async (error: Error) => {
      const seen = (await counts()).map((n, i) => `${coupons[i]?.pipeline} ${n}`);
      throw new Error(`${error.message}; rows: ${seen.join(", ")}`);
    });
  }

  async function expectAllIssued(requests: Map<string, string>): Promise<void> {
    const statuses = await mapWithConcurrency([...requests], 10, async ([requestId, userId]) => {
      const reply = await gql.request<{ issueRequest: { status: string } }>(
        ISSUE_REQUEST,
        { requestId },
        userId,
      );
      return reply.data?.issueRequest.status;
    });
    expect(statuses.filter((s) => s !== "ISSUED")).toEqual([]);
  }

  const streamLength = (couponId: string) => redis.xlen(keys.coupon(couponId).stream);
  const on = (coupons: Created[], pipeline: IssuePipeline) =>
    coupons.filter((c) => c.pipeline === pipeline);

  it("at 50 %, coupons created without a pipeline land on both, each persisted by its own workers", async () => {
    const coupons = await createUnnamed(20, 2);
    // 2 × 0.5^20: one run in half a million sees one pipeline only.
    const kafka = on(coupons, "KAFKA");
    const stream = on(coupons, "REDIS_STREAM");
    expect(kafka.length).toBeGreaterThan(0);
    expect(stream.length).toBeGreaterThan(0);
    expect(await pipelinesNow(coupons)).toEqual(coupons.map((c) => [c.pipeline, c.pipeline]));

    // Stream workers frozen: the KAFKA coupons are issued through the broker all the same, while
    // every REDIS_STREAM coupon's requests wait in its own stream and nowhere else.
    await Promise.all(system.streamWorkers().map((w) => w.signal("SIGSTOP")));
    let requests: Map<string, string>;
    try {
      requests = await pressAll(coupons, 2);
      await waitForRows(kafka, 2, "two rows for each KAFKA coupon");
      expect(await Promise.all(stream.map((c) => rowsOf(c.id)))).toEqual(stream.map(() => 0));
      expect(await Promise.all(stream.map((c) => streamLength(c.id)))).toEqual(stream.map(() => 2));
      expect(await Promise.all(kafka.map((c) => streamLength(c.id)))).toEqual(kafka.map(() => 0));
    } finally {
      await Promise.all(system.streamWorkers().map((w) => w.signal("SIGCONT")));
    }
    await waitForRows(stream, 2, "two rows for each REDIS_STREAM coupon");
    await expectAllIssued(requests);
  }, 180_000);

  it("a new percentage moves the coupons created after it; those created before finish where they started", async () => {
    const before = await createUnnamed(12, 3);
    expect(new Set(before.map((c) => c.pipeline)).size).toBe(2);

    // Presses in flight on both pipelines while the setting changes: every worker is down (stopped
    // as a deployment stops it), so the presses wait in the topic and in the coupons' streams.
    const workers = [...system.workers(), ...system.streamWorkers()];
    await Promise.all(workers.map((worker) => worker.stop()));
    let inFlight: Map<string, string>;
    let toStream: Created[];
    let toKafka: Created[];
    try {
      inFlight = await pressAll(before, 3);
      for (const c of on(before, "REDIS_STREAM")) expect(await streamLength(c.id)).toBe(3);

      await system.restartWith("control", { ISSUE_PIPELINE_ROLLOUT_PERCENT: "100" });
      toStream = await createUnnamed(6, 2);
      expect(toStream.map((c) => c.pipeline)).toEqual(toStream.map(() => "REDIS_STREAM"));

      await system.restartWith("control", { ISSUE_PIPELINE_ROLLOUT_PERCENT: "0" });
      toKafka = await createUnnamed(6, 2);
      expect(toKafka.map((c) => c.pipeline)).toEqual(toKafka.map(() => "KAFKA"));

      // The coupons from before kept theirs through both changes.
      expect(await pipelinesNow(before)).toEqual(before.map((c) => [c.pipeline, c.pipeline]));
    } finally {
      await Promise.all(workers.map((worker) => worker.restart()));
    }
    await waitForRows(before, 3, "the in-flight presses of the earlier coupons persisted");
    await expectAllIssued(inFlight);

    const later = [...toStream, ...toKafka];
    const laterRequests = await pressAll(later, 2);
    await waitForRows(later, 2, "the later coupons' presses persisted");
    await expectAllIssued(laterRequests);
  }, 240_000);
});
