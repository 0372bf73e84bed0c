import { CONSUMER_DEFAULTS } from "#shared/defaults.ts";
import { createCouponQueries } from "./coupon-queries.ts";
import { findRequestOutcome } from "./find-request-outcome.ts";
import { createOrm } from "./orm.ts";
import { persistIssueBatch } from "./persist-issue-batch.ts";

/** Everything the Node side reads and writes in PostgreSQL, behind one MikroORM instance. */
export async function createDatabase(
  databaseUrl: string,
  poolSize: number = CONSUMER_DEFAULTS.databasePoolSize,
  /** Where MikroORM's own messages go (pool errors). Default `createOrm`'s. */
  log?: (message: string) => void,
) {
  const orm = await createOrm({ databaseUrl, poolSize, ...(log ? { log } : {}) });
  const queries = createCouponQueries(orm.em);
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
    /** What PostgreSQL says became of a request, if anything. */
    findOutcome: (requestId: string) => findRequestOutcome(orm.em.fork(), requestId),
    close: () => orm.close(),
  };
}

export type Database = Awaited<ReturnType<typeof createDatabase>>;
