import pg from "pg";
import { expect } from "vitest";
import type { IssuePipeline } from "#shared/issue-pipeline.ts";
import { createCoupon, type DropResult, startDrop } from "../support/coupon-drop.ts";
import { createGraphqlClient } from "../support/graphql-client.ts";
import { type InvariantReport, settleAndCheck, statusOf } from "../support/invariants.ts";
import type { SystemUnderTest } from "../support/system.ts";
import { waitUntil } from "../support/wait.ts";

/** Fast reconciliation for the suite: the production default (30 s) would only make it slow. */
export const FAST_RECONCILER = {
  RECONCILE_AFTER_MS: "3000",
  RECONCILE_INTERVAL_MS: "1000",
};

/** Both pipelines, for the scenarios that apply to both (`it.each(PIPELINES)`). */
export const PIPELINES = ["KAFKA", "REDIS_STREAM"] as const satisfies readonly IssuePipeline[];

/**
 * Fast take-over for the suite: a stream entry held by a killed worker goes to another after 3 s
 * (the production default, 15 s, would only make it slow).
 */
export const FAST_STREAM_CLAIM = { STREAM_CLAIM_IDLE_MS: "3000" };

export interface DropUnderFault {
  scenario: string;
  system: SystemUnderTest;
  /** The coupon's pipeline. Default KAFKA. */
  pipeline?: IssuePipeline;
  /** How long to wait for every request to settle. Default `settleAndCheck`'s. */
  settleTimeoutMs?: number;
  /** The coupon's size; the drop brings about three times as many users. */
  total?: number;
  /** Share of the stock admitted before the fault strikes, so it hits the drop mid-flight. Default 1/3. */
  strikeAt?: number;
  /**
   * Injects the fault and, once it is over (process restarted, service back), resolves with
   * that moment, from which recovery is timed.
   */
  fault: (couponId: string) => Promise<number>;
}

export interface DropUnderFaultResult {
  report: InvariantReport;
  drop: DropResult;
  couponId: string;
}

/** A coupon drop under load, a fault in the middle of it, and the invariants checked afterwards. */
export async function dropUnderFault({
  scenario,
  system,
  total = 150,
  strikeAt = 1 / 3,
  pipeline = "KAFKA",
  settleTimeoutMs,
  fault,
}: DropUnderFault): Promise<DropUnderFaultResult> {
  const gql = createGraphqlClient(system.graphqlUrl);
  const db = new pg.Pool({ connectionString: system.env.DATABASE_URL, max: 3 });
  try {
    const couponId = await createCoupon(gql, total, pipeline);
    const running = startDrop(gql, { couponId, users: total * 3, twice: total });
    await waitUntil(() => running.acceptedSoFar() >= total * strikeAt, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: `${scenario}: the drop to get under way`,
    });
    const [recoveryStartedAt, drop] = await Promise.all([fault(couponId), running.done]);
    const report = await settleAndCheck({
      scenario,
      gql,
      db,
      redisUrl: system.redis.url,
      redisClusterNodes: system.redis.clusterNodes,
      couponId,
      drop,
      recoveryStartedAt,
      ...(settleTimeoutMs === undefined ? {} : { timeoutMs: settleTimeoutMs }),
    });
    return { report, drop, couponId };
  } finally {
    await db.end();
  }
}

/** After recovery, the whole path (gateway, proxies, broker, a consumer) issues a fresh coupon. */
export async function expectIssuanceWorks(
  system: SystemUnderTest,
  pipeline: IssuePipeline = "KAFKA",
): Promise<void> {
  const gql = createGraphqlClient(system.graphqlUrl);
  const couponId = await createCoupon(gql, 1, pipeline);
  const drop = await startDrop(gql, { couponId, users: 1, twice: 0, attempts: 20 }).done;
  expect(drop.accepted).toBe(1);
  const [[requestId, userId]] = [...drop.known] as [[string, string]];
  await waitUntil(async () => (await statusOf(gql, requestId, userId)) === "ISSUED", {
    timeoutMs: 60_000,
    intervalMs: 300,
    what: "a request after recovery to be ISSUED",
  });
}
