import type pg from "pg";
import { expect } from "vitest";
import type { IssuePipeline } from "#shared/issue-pipeline.ts";
import {
  CREATE_COUPON,
  type GraphqlClient,
  ISSUE_COUPON,
  ISSUE_REQUEST,
  type IssueResult,
  REQUEST_STATUS,
} from "./graphql-client.ts";
import type { SystemUnderTest } from "./system.ts";
import { mapWithConcurrency, waitUntil } from "./wait.ts";

export interface RaceOptions {
  gql: GraphqlClient;
  db: pg.Pool;
  /** Coupons in stock. Default 300. */
  total?: number;
  /** Distinct users pressing. Default 1,500. */
  users?: number;
  /** Users among them who press twice. Default 500. */
  twice?: number;
  /** Presses in flight. Default 200. */
  concurrency?: number;
  /** The coupon's pipeline. Default KAFKA. */
  pipeline?: IssuePipeline;
}

/**
 * The race, as the e2e suite runs it on every profile: everyone presses at once (some twice) for a
 * coupon of `total`; exactly `total` are accepted, one per user, a second press names the first
 * request, all of them end ISSUED with their row in PostgreSQL, and `issued_count` agrees.
 */
export async function expectRaceIssuesExactly({
  gql,
  db,
  total = 300,
  users = 1500,
  twice = 500,
  concurrency = 200,
  pipeline = "KAFKA",
}: RaceOptions): Promise<void> {
  const created = await gql.request<{ createCoupon: { id: string; pipeline: IssuePipeline } }>(
    CREATE_COUPON,
    { input: { name: `race of ${total}`, totalQuantity: total, pipeline } },
  );
  expect(created.errors).toBeUndefined();
  expect(created.data?.createCoupon.pipeline).toBe(pipeline);
  const couponId = created.data?.createCoupon.id as string;
  const userBase = 10_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
  const userIds = Array.from({ length: users }, (_, i) => String(userBase + i));
  const presses = [...userIds, ...userIds.slice(0, twice)].sort(() => Math.random() - 0.5);

  // A connection cut under load (a keep-alive connection the server closed as the press went out)
  // is pressed again, as an app would; the press lost may have been admitted, and then the retry
  // hears AlreadyRequested naming it.
  const results = await mapWithConcurrency(presses, concurrency, async (userId) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await gql.request<{ issueCoupon: IssueResult }>(
          ISSUE_COUPON,
          { couponId },
          userId,
        );
        if (reply.errors) throw new Error(JSON.stringify(reply.errors));
        return { userId, result: reply.data?.issueCoupon as IssueResult, retried: attempt > 1 };
      } catch (error) {
        if (!(error instanceof TypeError) || attempt === 4) throw error;
      }
    }
  });

  const accepted = results.filter((r) => r.result.__typename === "IssueAccepted");
  const acceptedBy = new Map(accepted.map((r) => [r.userId, r.result.requestId]));
  expect(acceptedBy.size).toBe(accepted.length);
  for (const { userId, result, retried } of results)
    if (retried && result.__typename === "AlreadyRequested" && !acceptedBy.has(userId))
      acceptedBy.set(userId, result.requestId);
  expect(acceptedBy.size).toBe(total);
  for (const { userId, result } of results) {
    if (result.__typename === "AlreadyRequested")
      expect(result.requestId).toBe(acceptedBy.get(userId));
    else expect(["IssueAccepted", "SoldOut"]).toContain(result.__typename);
  }

  const rowCount = async () =>
    (await db.query("SELECT count(*)::int AS n FROM user_coupon WHERE coupon_id = $1", [couponId]))
      .rows[0].n;
  await waitUntil(async () => (await rowCount()) === total, {
    timeoutMs: 30_000,
    what: `${total} rows in user_coupon`,
  });
  const statuses = await mapWithConcurrency([...acceptedBy], 50, async ([userId, requestId]) => {
    const reply = await gql.request<{ issueRequest: { status: string } }>(
      ISSUE_REQUEST,
      { requestId },
      userId,
    );
    return reply.data?.issueRequest.status;
  });
  expect(statuses.every((s) => s === "ISSUED")).toBe(true);

  const { rows } = await db.query(
    `SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS users, max(c.issued_count) AS issued
     FROM user_coupon u JOIN coupon c ON c.id = u.coupon_id WHERE u.coupon_id = $1`,
    [couponId],
  );
  expect(rows[0]).toEqual({ rows: total, users: total, issued: total });
  const dbRequestIds = new Set(
    (
      await db.query("SELECT request_id FROM user_coupon WHERE coupon_id = $1", [couponId])
    ).rows.map((r) => r.request_id),
  );
  expect([...acceptedBy.values()].every((requestId) => dbRequestIds.has(requestId))).toBe(true);
}

/**
 * One press followed over a subscription, as the e2e suite checks it on every profile: with the
 * workers held, the press is PENDING when the subscription starts; the workers resume on its first
 * event, and it sees ISSUED and completes.
 */
export async function expectSubscriptionSeesIssued({
  gql,
  system,
  pipeline,
  userId = "77",
}: {
  gql: GraphqlClient;
  system: SystemUnderTest;
  /** The coupon's issue pipeline. Default: what the system picks for a coupon created without one. */
  pipeline?: IssuePipeline;
  userId?: string;
}): Promise<void> {
  const created = await gql.request<{ createCoupon: { id: string } }>(CREATE_COUPON, {
    input: { name: "followed", totalQuantity: 5, ...(pipeline ? { pipeline } : {}) },
  });
  const couponId = created.data?.createCoupon.id as string;
  await system.pauseWorkers();
  let resumed: Promise<unknown> | undefined;
  const resumeWorkers = () => {
    resumed ??= system.resumeWorkers();
    return resumed;
  };
  try {
    const reply = await gql.request<{ issueCoupon: IssueResult }>(
      ISSUE_COUPON,
      { couponId },
      userId,
    );
    const accepted = reply.data?.issueCoupon;
    expect(accepted?.__typename).toBe("IssueAccepted");
    const { events, completed } = await gql.subscribe<{ requestStatus: { status: string } }>(
      REQUEST_STATUS,
      { requestId: accepted?.requestId },
      // The first event (PENDING) means the subscription listens: now the workers may decide.
      { onEvent: () => void resumeWorkers(), userId },
    );
    expect(events.map((e) => e.data?.requestStatus.status)).toEqual(["PENDING", "ISSUED"]);
    expect(completed).toBe(true);
  } finally {
    await resumeWorkers();
  }
}
