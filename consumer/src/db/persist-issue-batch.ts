import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import type { IssueEvent } from "#shared/issue-event.ts";
import { isPersistedFailureReason } from "#shared/lifecycle/failure-reason.ts";
import { type Decision, issued } from "#shared/lifecycle/outcome.ts";
import { classifyingDbErrors, DatabaseError } from "./db-errors.ts";
import {
  type CouponWindow,
  decideIssueBatch,
  type IssueBatchDecision,
  type IssueBatchState,
} from "./decide-issue-batch.ts";
import { dateFromSql, jsonParam } from "./sql-values.ts";

export interface PersistIssueBatchResult {
  /** One decision per request id of the batch, in event order. */
  outcomes: Map<string, Decision>;
  /** `issued_count` per coupon of the batch that exists, as this transaction committed it. */
  issuedCounts: Map<string, number>;
  /**
   * The requests this transaction decided (a row written), not earlier: what counts an outcome
   * once, however often its event is delivered.
   */
  decidedNow: ReadonlySet<string>;
}

/**
 * Persists a batch of issue events in ONE transaction, idempotently, never beyond a coupon's total.
 * Every coupon of the batch is locked (`FOR UPDATE`, in id order, so two batches never deadlock on
 * each other), then the batch is decided in event order against what PostgreSQL holds (see
 * `decideIssueBatch`) and written set-based. A redelivered or replayed event gets the outcome it got
 * the first time and writes nothing. The trigger and check constraint on `coupon` refuse a row beyond
 * the total should this logic ever be wrong. Throws a `DatabaseError` whose `retriable` says whether
 * the same batch may succeed later.
 *
 * Raw SQL here, unlike the rest of the database code, on purpose: the work is set-based. A batch of
 * up to 500 events is one locking read, two set lookups and two set inserts (`jsonb_to_recordset`,
 * `ORDER BY` so ids follow event order, `ON CONFLICT DO NOTHING`, `RETURNING issued_at`), the same
 * five round trips whatever the batch size. The rows read are only inputs to `decideIssueBatch` and
 * the rows written are never used as objects, so entities would only add hydration, an identity map
 * and change sets to a path that runs for every record of the topic.
 */
export async function persistIssueBatch(
  orm: MikroORM,
  events: readonly IssueEvent[],
  withdrawn: ReadonlySet<string> = new Set(),
  windowLeewayMs?: number,
): Promise<PersistIssueBatchResult> {
  if (events.length === 0)
    return { outcomes: new Map(), issuedCounts: new Map(), decidedNow: new Set() };
  return classifyingDbErrors(() =>
    orm.em.fork().transactional(
      async (em) => {
        const { state, issuedCounts } = await lockAndRead(em, events);
        const decision = decideIssueBatch(events, { ...state, withdrawn }, windowLeewayMs);
        const issuedAt = await insertIssued(em, decision.toIssue);
        await recordFailures(em, decision.toFail);
        for (const { couponId } of decision.toIssue) {
          issuedCounts.set(couponId, (issuedCounts.get(couponId) ?? 0) + 1);
        }
        const decidedNow = new Set([
          ...decision.toIssue.map((event) => event.requestId),
          ...decision.toFail.map(({ event }) => event.requestId),
        ]);
        return { outcomes: inEventOrder(events, decision, issuedAt), issuedCounts, decidedNow };
      },
      // READ COMMITTED on purpose: after waiting for a coupon's lock, each later statement sees what
      // the previous holder committed. Under REPEATABLE READ the wait would end in a serialization error.
      { isolationLevel: "read committed" },
    ),
  );
}

async function lockAndRead(em: EntityManager, events: readonly IssueEvent[]) {
  const coupons = await em.execute<
    Array<{
      id: string;
      total_quantity: number;
      issued_count: number;
      starts_at: unknown;
      ends_at: unknown;
    }>
  >(
    `SELECT id::text, total_quantity, issued_count, starts_at, ends_at FROM coupon
      WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::bigint)
      ORDER BY id FOR UPDATE`,
    [jsonParam([...new Set(events.map((e) => e.couponId))])],
  );
  const remaining = new Map(coupons.map((c) => [c.id, c.total_quantity - c.issued_count]));
  const issuedCounts = new Map(coupons.map((c) => [c.id, c.issued_count]));
  const windows = new Map<string, CouponWindow>();
  for (const c of coupons)
    if (c.starts_at !== null || c.ends_at !== null)
      windows.set(c.id, {
        startsAt: c.starts_at === null ? null : dateFromSql(c.starts_at),
        endsAt: c.ends_at === null ? null : dateFromSql(c.ends_at),
      });
  // Only events of existing coupons can have rows; the others are answered coupon-not-found.
  const known = events.filter((e) => remaining.has(e.couponId));
  if (known.length === 0) {
    return {
      state: { remaining, issued: [], failed: new Map(), windows } satisfies IssueBatchState,
      issuedCounts,
    };
  }
  const requestIds = jsonParam(known.map((e) => e.requestId));
  const pairs = jsonParam(known.map((e) => ({ coupon_id: e.couponId, user_id: e.userId })));

  // Two index lookups (unique request_id; unique (user_id, coupon_id)) rather than one OR-join.
  const issuedRows = await em.execute<
    Array<{ request_id: string; user_id: string; coupon_id: string; issued_at: unknown }>
  >(
    `SELECT u.request_id::text, u.user_id::text, u.coupon_id::text, u.issued_at FROM user_coupon u
      WHERE u.request_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
     UNION
     SELECT u.request_id::text, u.user_id::text, u.coupon_id::text, u.issued_at FROM user_coupon u
       JOIN (SELECT DISTINCT coupon_id, user_id FROM jsonb_to_recordset(?::jsonb) AS p(coupon_id bigint, user_id bigint)) p
         ON u.user_id = p.user_id AND u.coupon_id = p.coupon_id`,
    [requestIds, pairs],
  );
  const failedRows = await em.execute<
    Array<{ request_id: string; reason: string; existing_request_id: string | null }>
  >(
    `SELECT request_id::text, reason, existing_request_id::text FROM issue_failure
      WHERE request_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
    [requestIds],
  );

  const failed: IssueBatchState["failed"] = new Map();
  for (const row of failedRows) {
    if (!isPersistedFailureReason(row.reason)) {
      throw new DatabaseError(
        `issue_failure ${row.request_id} has an unknown reason: ${row.reason}`,
        {
          retriable: false,
        },
      );
    }
    failed.set(row.request_id, { reason: row.reason, existingRequestId: row.existing_request_id });
  }
  const issued = issuedRows.map((row) => ({
    requestId: row.request_id,
    userId: row.user_id,
    couponId: row.coupon_id,
    issuedAt: dateFromSql(row.issued_at),
  }));
  return {
    state: { remaining, issued, failed, windows } satisfies IssueBatchState,
    issuedCounts,
  };
}

/** Inserts the decided rows in event order (so ids follow it); returns each request's `issued_at`. */
async function insertIssued(em: EntityManager, toIssue: IssueEvent[]): Promise<Map<string, Date>> {
  if (toIssue.length === 0) return new Map();
  const rows = await em.execute<Array<{ request_id: string; issued_at: unknown }>>(
    `INSERT INTO user_coupon (user_id, coupon_id, request_id, requested_at, source)
     SELECT e.user_id, e.coupon_id, e.request_id, e.requested_at, e.source
       FROM jsonb_to_recordset(?::jsonb)
         AS e(n integer, user_id bigint, coupon_id bigint, request_id uuid, requested_at timestamptz, source text)
      ORDER BY e.n
     ON CONFLICT DO NOTHING
     RETURNING request_id::text, issued_at`,
    [
      jsonParam(
        toIssue.map((e, n) => ({
          n,
          user_id: e.userId,
          coupon_id: e.couponId,
          request_id: e.requestId,
          requested_at: e.requestedAt,
          source: e.source,
        })),
      ),
    ],
  );
  if (rows.length !== toIssue.length) {
    // The coupon locks keep other batches out, so only a writer bypassing them gets here. Undo the
    // whole transaction; a retry decides again from what that writer committed.
    throw new DatabaseError(
      `user_coupon changed under the coupon lock: ${toIssue.length - rows.length} of ${toIssue.length} rows conflicted`,
      { retriable: true },
    );
  }
  return new Map(rows.map((row) => [row.request_id, dateFromSql(row.issued_at)]));
}

async function recordFailures(
  em: EntityManager,
  toFail: IssueBatchDecision["toFail"],
): Promise<void> {
  if (toFail.length === 0) return;
  await em.execute(
    `INSERT INTO issue_failure (request_id, user_id, coupon_id, reason, existing_request_id, requested_at)
     SELECT request_id, user_id, coupon_id, reason, existing_request_id, requested_at
       FROM jsonb_to_recordset(?::jsonb)
         AS f(request_id uuid, user_id bigint, coupon_id bigint, reason text, existing_request_id uuid, requested_at timestamptz)
     ON CONFLICT (request_id) DO NOTHING`,
    [
      jsonParam(
        toFail.map(({ event, reason, existingRequestId }) => ({
          request_id: event.requestId,
          user_id: event.userId,
          coupon_id: event.couponId,
          reason,
          existing_request_id: existingRequestId,
          requested_at: event.requestedAt,
        })),
      ),
    ],
  );
}

function inEventOrder(
  events: readonly IssueEvent[],
  decision: IssueBatchDecision,
  issuedAt: Map<string, Date>,
): Map<string, Decision> {
  const outcomes = new Map<string, Decision>();
  for (const { requestId } of events) {
    if (outcomes.has(requestId)) continue;
    const settled = decision.settled.get(requestId);
    const at = issuedAt.get(requestId);
    if (settled) outcomes.set(requestId, settled);
    else if (at) outcomes.set(requestId, issued(at));
  }
  return outcomes;
}
