import { createCouponQueries } from "./coupon-queries.ts";
import { findRequestOutcome } from "./find-request-outcome.ts";
import { createOrm } from "./orm.ts";
import { persistIssueBatch } from "./persist-issue-batch.ts";

/** Runs one parameterised SQL statement (`?` placeholders) and returns its rows. */
export type SqlExecutor = (
  sql: string,
  params: unknown[],
) => Promise<Array<Record<string, unknown>>>;

/** Everything the Node side reads and writes in PostgreSQL, behind one MikroORM instance. */
export async function createDatabase(databaseUrl: string, poolSize = 5) {
  const orm = await createOrm({ databaseUrl, poolSize });
  const queries = createCouponQueries(orm.em);
  const sql: SqlExecutor = (text, params) => orm.em.fork().execute(text, params);
  return {
    orm,
    coupons: {
      createCoupon: queries.createCoupon,
      findCoupon: queries.findCoupon,
      loadIssuance: queries.loadIssuance,
      findRequest: queries.findRequest,
    },
    persistIssueBatch: (
      events: Parameters<typeof persistIssueBatch>[1],
      withdrawn: ReadonlySet<string>,
    ) => persistIssueBatch(orm, events, withdrawn),
    sql,
    /** What PostgreSQL says became of a request, if anything. */
    findOutcome: (requestId: string) => findRequestOutcome(orm.em.fork(), requestId),
    close: () => orm.close(),
  };
}

export type Database = Awaited<ReturnType<typeof createDatabase>>;
