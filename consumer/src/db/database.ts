import { createCouponQueries } from "./coupon-queries.ts";
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
      async findRequest(requestId: string) {
        const found = await queries.findRequest(requestId);
        if (!found) return null;
        const { issuedCount: _count, ...request } = found;
        return request;
      },
    },
    persistIssueBatch: (
      events: Parameters<typeof persistIssueBatch>[1],
      withdrawn: ReadonlySet<string>,
    ) => persistIssueBatch(orm, events, withdrawn),
    sql,
    /** What PostgreSQL says became of a request, if anything. */
    async findOutcome(requestId: string) {
      const found = await queries.findRequest(requestId);
      if (!found) return null;
      return found.status === "ISSUED"
        ? { status: "ISSUED" as const, issuedCount: found.issuedCount }
        : {
            status: "FAILED" as const,
            reason: found.reason ?? "FAILED",
            issuedCount: found.issuedCount,
          };
    },
    close: () => orm.close(),
  };
}

export type Database = Awaited<ReturnType<typeof createDatabase>>;
