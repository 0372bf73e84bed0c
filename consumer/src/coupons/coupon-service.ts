import { STREAM_DEFAULTS } from "#shared/defaults.ts";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import type { CouponJson, CreateCouponInput, RequestJson } from "#shared/internal-api/contract.ts";
import { choosePipeline, ISSUE_PIPELINES, type IssuePipeline } from "#shared/issue-pipeline.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";

/** What the coupon service needs from PostgreSQL (implemented over MikroORM in consumer/src/db). */
export interface CouponDatabase {
  createCoupon(input: CreateCouponInput): Promise<CouponJson>;
  findCoupon(id: string): Promise<CouponJson | null>;
  /** The coupon and every issued (user, request), to rebuild admission state. */
  loadIssuance(
    id: string,
  ): Promise<{ coupon: CouponJson; issued: Array<{ userId: string; requestId: string }> } | null>;
  findRequest(requestId: string): Promise<RequestJson | null>;
}

/**
 * PostgreSQL first, Redis after: a coupon exists once it is committed, and its admission state is
 * (re)loaded from what PostgreSQL has — on creation, and whenever Redis turns out not to know it.
 */
export interface CouponServiceOptions {
  /** Percent of coupons created without a named pipeline that get REDIS_STREAM. Default 0. */
  pipelineRolloutPercent?: number;
  /**
   * The pipelines this deployment runs (`ISSUE_PIPELINES`): a coupon on another is refused with
   * `PipelineDisabledError` before anything is written. Default both.
   */
  pipelines?: readonly IssuePipeline[];
  /** Test seam for the rollout's dice. */
  random?: () => number;
}

export function createCouponService(
  db: CouponDatabase,
  store: AdmissionStore,
  {
    pipelineRolloutPercent = STREAM_DEFAULTS.rolloutPercent,
    pipelines = ISSUE_PIPELINES,
    random,
  }: CouponServiceOptions = {},
) {
  async function load(id: string): Promise<boolean | null> {
    const issuance = await db.loadIssuance(id);
    if (!issuance) return null;
    const { coupon, issued } = issuance;
    return store.load({
      couponId: coupon.id,
      totalQuantity: coupon.totalQuantity,
      issuedCount: issued.length,
      startsAt: coupon.startsAt ? new Date(coupon.startsAt) : null,
      endsAt: coupon.endsAt ? new Date(coupon.endsAt) : null,
      pipeline: coupon.pipeline,
      issued,
    });
  }

  return {
    async create(input: CreateCouponInput): Promise<CouponJson> {
      const pipeline = choosePipeline(input.pipeline, pipelineRolloutPercent, random);
      // Its presses would be admitted and never persisted: refused while nothing is written.
      if (!pipelines.includes(pipeline)) throw PipelineDisabledError.refusing(pipeline, pipelines);
      const coupon = await db.createCoupon({ ...input, pipeline });
      await load(coupon.id);
      return coupon;
    },
    get: db.findCoupon,
    load,
    getRequest: db.findRequest,
  };
}

export type CouponService = ReturnType<typeof createCouponService>;
