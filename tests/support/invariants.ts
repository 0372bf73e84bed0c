import type pg from "pg";
import { expect } from "vitest";
import { createIoredisClient } from "#shared/redis/ioredis-client.ts";
import { DEFAULT_REDIS_KEYS } from "#shared/redis/keys.ts";
import type { ClusterNode } from "#shared/redis/redis-endpoint.ts";
import type { DropResult } from "./coupon-drop.ts";
import { type GraphqlClient, ISSUE_REQUEST } from "./graphql-client.ts";
import { mapWithConcurrency } from "./wait.ts";

export interface InvariantReport {
  scenario: string;
  sent: number;
  accepted: number;
  issued: number;
  failedWithCompensation: number;
  /** FAILED, yet Redis still holds the user's slot for that request. */
  failedWithoutCompensation: number;
  rows: number;
  /** Second rows for one user, or for one request id. */
  duplicates: number;
  /** Rows beyond the coupon's total. */
  oversell: number;
  /** Requests users were told about (or admitted) that are still without an outcome. */
  stuckPending: number;
  /** Requests answered ISSUED without a row in PostgreSQL. */
  issuedWithoutRow: number;
  /** Rows of requests no user was told about (admitted, then answered with an error). */
  rowsNobodyWasToldOf: number;
  /** coupon.issued_count minus the rows it counts. */
  issuedCountDrift: number;
  /** Stock Redis has lost or invented: total − rows − remaining, once nothing is pending. */
  stockDrift: number;
  recoverMs: number;
}

export interface CheckOptions {
  scenario: string;
  gql: GraphqlClient;
  db: pg.Pool;
  redisUrl: string;
  /** The seed nodes when the system's Redis is a cluster (`redisUrl` its credentials). */
  redisClusterNodes?: readonly ClusterNode[];
  couponId: string;
  drop: DropResult;
  /** When the fault was over (the moment recovery is timed from). */
  recoveryStartedAt: number;
  timeoutMs?: number;
}

type Status = "PENDING" | "ISSUED" | "FAILED" | "UNKNOWN";

/**
 * A request's status as its user (`userId`, who owns it) sees it: UNKNOWN when the gateway knows no
 * such request of theirs.
 */
export async function statusOf(
  gql: GraphqlClient,
  requestId: string,
  userId: string,
): Promise<Status> {
  const reply = await gql.request<{ issueRequest: { status: Status } | null }>(
    ISSUE_REQUEST,
    { requestId },
    userId,
  );
  return reply.data?.issueRequest?.status ?? "UNKNOWN";
}

/**
 * Waits until every request of the drop has an outcome and nothing is pending (or the timeout),
 * then measures invariants 1-3 of docs/architecture.md against PostgreSQL, Redis and the GraphQL
 * answers.
 */
export async function settleAndCheck({
  scenario,
  gql,
  db,
  redisUrl,
  redisClusterNodes = [],
  couponId,
  drop,
  recoveryStartedAt,
  timeoutMs = 120_000,
}: CheckOptions): Promise<InvariantReport> {
  const redis = createIoredisClient(
    { url: redisUrl, clusterNodes: redisClusterNodes },
    { maxRetriesPerRequest: 3 },
  );
  const keys = DEFAULT_REDIS_KEYS.coupon(couponId);
  const settled = new Set<string>();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = [...drop.known.keys()].filter((id) => !settled.has(id));
      const { rows } = await db.query<{ request_id: string }>(
        `SELECT request_id FROM user_coupon WHERE request_id = ANY($1::uuid[])
         UNION SELECT request_id FROM issue_failure WHERE request_id = ANY($1::uuid[])`,
        [open],
      );
      const settledInDb = new Set(rows.map((r) => r.request_id));
      await mapWithConcurrency(
        open.filter((id) => !settledInDb.has(id)),
        20,
        async (id) => {
          const status = await statusOf(gql, id, drop.known.get(id) as string);
          if (status === "ISSUED" || status === "FAILED") settled.add(id);
        },
      );
      for (const id of settledInDb) settled.add(id);
      const pending = await redis.zcard(keys.pending);
      if ((pending === 0 && settled.size === drop.known.size) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const recoverMs = Date.now() - recoveryStartedAt;

    const statuses = new Map<string, Status>();
    await mapWithConcurrency([...drop.known.keys()], 30, async (id) => {
      statuses.set(id, await statusOf(gql, id, drop.known.get(id) as string));
    });
    const slots = await redis.hgetall(keys.users);
    const pendingLeft = await redis.zrange(keys.pending, "0", "-1");
    const { rows: counts } = await db.query(
      `SELECT count(u.id)::int AS rows, count(DISTINCT u.user_id)::int AS users,
              count(DISTINCT u.request_id)::int AS requests,
              c.total_quantity AS total, c.issued_count AS issued_count
       FROM coupon c LEFT JOIN user_coupon u ON u.coupon_id = c.id
       WHERE c.id = $1 GROUP BY c.id`,
      [couponId],
    );
    const row = counts[0];
    const { rows: issuedRows } = await db.query<{ request_id: string }>(
      "SELECT request_id FROM user_coupon WHERE coupon_id = $1",
      [couponId],
    );
    const withRow = new Set(issuedRows.map((r) => r.request_id));
    const rowsNobodyWasToldOf = issuedRows.filter((r) => !drop.known.has(r.request_id)).length;
    const remaining = await gql.request<{ coupon: { remaining: number } }>(
      "query($id: ID!) { coupon(id: $id) { remaining } }",
      { id: couponId },
    );

    let issued = 0;
    let failedWithCompensation = 0;
    let failedWithoutCompensation = 0;
    let issuedWithoutRow = 0;
    const stuck = new Set(pendingLeft);
    for (const [requestId, userId] of drop.known) {
      const status = statuses.get(requestId);
      if (status === "ISSUED") {
        issued++;
        if (!withRow.has(requestId)) issuedWithoutRow++;
      } else if (status === "FAILED") {
        if (slots[userId] === requestId) failedWithoutCompensation++;
        else failedWithCompensation++;
      } else stuck.add(requestId);
    }
    const report: InvariantReport = {
      scenario,
      sent: drop.sent,
      accepted: drop.accepted,
      issued,
      failedWithCompensation,
      failedWithoutCompensation,
      rows: row.rows,
      duplicates: row.rows - row.users + (row.rows - row.requests),
      oversell: Math.max(0, row.rows - row.total),
      stuckPending: stuck.size,
      issuedWithoutRow,
      rowsNobodyWasToldOf,
      issuedCountDrift: row.issued_count - row.rows,
      stockDrift: row.total - row.rows - (remaining.data?.coupon.remaining ?? Number.NaN),
      recoverMs,
    };
    console.log(formatReport(report));
    return report;
  } finally {
    redis.disconnect();
  }
}

export function formatReport(r: InvariantReport): string {
  return (
    `[faults] ${r.scenario}: sent=${r.sent} accepted=${r.accepted} issued=${r.issued} ` +
    `failed-with-compensation=${r.failedWithCompensation} rows=${r.rows} duplicates=${r.duplicates} ` +
    `oversell=${r.oversell} stuck-pending=${r.stuckPending} recovered-in=${r.recoverMs}ms`
  );
}

/** Invariants 1-3 (docs/architecture.md), as counts that must be zero. */
export function expectInvariantsHold(report: InvariantReport): void {
  expect({
    duplicates: report.duplicates,
    oversell: report.oversell,
    stuckPending: report.stuckPending,
    failedWithoutCompensation: report.failedWithoutCompensation,
    issuedWithoutRow: report.issuedWithoutRow,
    issuedCountDrift: report.issuedCountDrift,
    stockDrift: report.stockDrift,
  }).toEqual({
    duplicates: 0,
    oversell: 0,
    stuckPending: 0,
    failedWithoutCompensation: 0,
    issuedWithoutRow: 0,
    issuedCountDrift: 0,
    stockDrift: 0,
  });
  expect(report.accepted).toBeGreaterThan(0);
}
