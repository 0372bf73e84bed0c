import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { describe, expect, it } from "vitest";
import { loadCouponIssuance } from "./load-coupon-issuance.ts";
import { persistIssueBatch } from "./persist-issue-batch.ts";
import { insertCoupon, issueEvent } from "./test-support/issue-events.ts";
import { useMigratedDatabase } from "./test-support/migrated-database.ts";
import type { TemporaryDatabase } from "./test-support/temporary-database.ts";

let database: TemporaryDatabase;
let orm: MikroORM;
useMigratedDatabase((fixture) => ({ database, orm } = fixture));

describe("loadCouponIssuance", () => {
  it("returns the coupon and its issued users in issue order, enough to rebuild admission state", async () => {
    const id = await insertCoupon(orm.em, 3);
    const events = ["30", "10", "20", "40"].map((user) => issueEvent(id, user));
    await persistIssueBatch(orm, events);
    const issuance = await loadCouponIssuance(orm.em.fork(), id);
    expect(issuance?.coupon).toMatchObject({ id, totalQuantity: 3, issuedCount: 3 });
    expect(issuance?.issued).toEqual(
      events
        .slice(0, 3)
        .map((e) => ({ userId: e.userId, requestId: e.requestId, issuedAt: expect.any(Date) })),
    );
  });

  it("is null for a coupon PostgreSQL does not have", async () => {
    expect(await loadCouponIssuance(orm.em.fork(), "987654321012")).toBeNull();
    expect(await loadCouponIssuance(orm.em.fork(), "nope")).toBeNull();
  });

  it("count and list come from one snapshot, even when a batch commits between the two reads", async () => {
    const id = await insertCoupon(orm.em, 5);
    await persistIssueBatch(orm, [issueEvent(id, "1")]);
    const commitAnother = () => persistIssueBatch(orm, [issueEvent(id, "2")]).then(() => undefined);
    const issuance = await loadCouponIssuance(
      commitBeforeFirstFind(orm.em.fork(), commitAnother),
      id,
    );
    expect(issuance?.coupon.issuedCount).toBe(1);
    expect(issuance?.issued.map((i) => i.userId)).toEqual(["1"]);
  });
});

/**
 * An EntityManager whose transactions run `write` (on other connections, committed) right before
 * their first `find`: after the coupon is read (`findOne`) and before its rows are.
 */
function commitBeforeFirstFind(em: EntityManager, write: () => Promise<void>): EntityManager {
  const bound = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop);
    return typeof value === "function" ? value.bind(target) : value;
  };
  return new Proxy(em, {
    get(target, prop) {
      if (prop !== "transactional") return bound(target, prop);
      return (work: (tx: EntityManager) => Promise<unknown>, options?: object) =>
        target.transactional((tx) => {
          let written = false;
          const interrupted = new Proxy(tx, {
            get(inner, innerProp) {
              if (innerProp !== "find") return bound(inner, innerProp);
              return async (...args: Parameters<EntityManager["find"]>) => {
                if (!written) {
                  written = true;
                  await write();
                }
                return inner.find(...args);
              };
            },
          });
          return work(interrupted);
        }, options);
    },
  });
}
