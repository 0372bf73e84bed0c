import type { EntityManager } from "@mikro-orm/postgresql";
import { parseId } from "#shared/ids.ts";
import { classifyingDbErrors } from "./db-errors.ts";
import { Coupon } from "./entities/coupon.ts";

/**
 * The coupon as PostgreSQL has it now, or null (also for a string that is not an id). Always read
 * from the database: `issuedCount` moves under every batch, so a copy in the fork's identity map
 * would be stale.
 */
export async function findCoupon(em: EntityManager, id: string): Promise<Coupon | null> {
  const parsed = parseId(id);
  if (!parsed.ok) return null;
  return classifyingDbErrors(() => em.findOne(Coupon, { id: parsed.id }, { refresh: true }));
}
