import { createCouponQueries } from "../db/coupon-queries.ts";
import { createOrm } from "../db/orm.ts";
import { persistIssueBatch } from "../db/persist-issue-batch.ts";
import type { SqlExecutor } from "../dead-letter/dead-letter-repository.ts";
import type { PersistBatch } from "../issue-worker/issue-batch-processor.ts";
import type { PersistedOutcome } from "../reconciler/reconciler.ts";
import type { CouponDatabase } from "./coupon-service.ts";

/** Everything the Node side reads and writes in PostgreSQL, behind one MikroORM instance. */
export async function createDatabase(databaseUrl: string, poolSize = 5) {
  const orm = await createOrm({ databaseUrl, poolSize });
  const queries = createCouponQueries(orm.em);
  const coupons: CouponDatabase = {
    createCoupon: queries.createCoupon,
    findCoupon: queries.findCoupon,
    loadIssuance: queries.loadIssuance,
    async findRequest(requestId) {
      const found = await queries.findRequest(requestId);
      if (!found) return null;
      const { issuedCount: _count, ...request } = found;
      return request;
    },
  };
  const persist: PersistBatch = (events, withdrawn) => persistIssueBatch(orm, events, withdrawn);
  const sql: SqlExecutor = (text, params) => orm.em.fork().execute(text, params);
  return {
    orm,
    coupons,
    persistIssueBatch: persist,
    sql,
    async findOutcome(requestId: string): Promise<PersistedOutcome> {
      const found = await queries.findRequest(requestId);
      if (!found) return null;
      return found.status === "ISSUED"
        ? { status: "ISSUED", issuedCount: found.issuedCount }
        : { status: "FAILED", reason: found.reason ?? "FAILED", issuedCount: found.issuedCount };
    },
    close: () => orm.close(),
  };
}

export type Database = Awaited<ReturnType<typeof createDatabase>>;
