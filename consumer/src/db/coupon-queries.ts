import type { EntityManager } from "@mikro-orm/postgresql";
import { describeIssues } from "#shared/describe-issues.ts";
import { PermanentError } from "#shared/errors/permanent-error.ts";
import type { CouponJson, CreateCouponInput, RequestJson } from "#shared/internal-api/contract.ts";
import { viewOfPersisted } from "#shared/lifecycle/request-view.ts";
import { createCoupon } from "./create-coupon.ts";
import type { Coupon } from "./entities/coupon.ts";
import { findCoupon } from "./find-coupon.ts";
import { findRequestOutcome } from "./find-request-outcome.ts";
import { loadCouponIssuance } from "./load-coupon-issuance.ts";

function toCouponJson(coupon: Coupon): CouponJson {
  return {
    id: coupon.id,
    name: coupon.name,
    totalQuantity: coupon.totalQuantity,
    issuedCount: coupon.issuedCount,
    startsAt: coupon.startsAt?.toISOString() ?? null,
    endsAt: coupon.endsAt?.toISOString() ?? null,
    pipeline: coupon.pipeline,
  };
}

/**
 * The repository functions in the internal API's JSON shapes, each call on a fresh fork of `em`
 * (the service and the reconciler hold one long-lived instance).
 */
export function createCouponQueries(em: EntityManager) {
  return {
    /** Input is parsed by the internal API with the same schema first; a refusal here is a bug. */
    async createCoupon(input: CreateCouponInput): Promise<CouponJson> {
      const created = await createCoupon(em.fork(), input);
      if (!created.ok) {
        throw new PermanentError(`invalid coupon: ${describeIssues(created.issues)}`);
      }
      return toCouponJson(created.coupon);
    },

    async findCoupon(id: string): Promise<CouponJson | null> {
      const coupon = await findCoupon(em.fork(), id);
      return coupon ? toCouponJson(coupon) : null;
    },

    async loadIssuance(id: string) {
      const issuance = await loadCouponIssuance(em.fork(), id);
      if (!issuance) return null;
      return {
        coupon: toCouponJson(issuance.coupon),
        issued: issuance.issued.map(({ userId, requestId }) => ({ userId, requestId })),
      };
    },

    /** The final outcome PostgreSQL has for a request, as the API shows it. */
    async findRequest(requestId: string): Promise<RequestJson | null> {
      const persisted = await findRequestOutcome(em.fork(), requestId);
      return persisted ? viewOfPersisted(persisted) : null;
    },
  };
}
