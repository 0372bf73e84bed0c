import type { EntityManager } from "@mikro-orm/postgresql";
import { type FieldIssue, fieldIssues } from "#shared/describe-issues.ts";
import { createCouponInput } from "#shared/internal-api/contract.ts";
import { DEFAULT_ISSUE_PIPELINE, type IssuePipeline } from "#shared/issue-pipeline.ts";
import { classifyingDbErrors } from "./db-errors.ts";
import { Coupon } from "./entities/coupon.ts";

export interface NewCoupon {
  name: string;
  totalQuantity: number;
  /** A Date, or an ISO-8601 string with offset as the internal API carries it. */
  startsAt?: Date | string | null;
  endsAt?: Date | string | null;
  /** Default `KAFKA`: the rollout's pick is made before (coupon-service.ts). */
  pipeline?: IssuePipeline | null;
}

export type CreateCouponResult =
  | { ok: true; coupon: Coupon }
  | { ok: false; error: "invalid-coupon"; issues: FieldIssue[] };

const isoOrAsIs = (value: Date | string | null | undefined) =>
  // An invalid Date becomes a string the schema refuses, instead of a RangeError from toISOString.
  value instanceof Date
    ? Number.isNaN(value.getTime())
      ? "invalid date"
      : value.toISOString()
    : value;

/**
 * Inserts a coupon. Input that breaks the rules (name 1-200 characters, quantity 1-10,000,000, end
 * after start) is a typed result, checked with the same schema the internal API parses with; the
 * table's check constraints refuse it again should anything get past.
 */
export async function createCoupon(
  em: EntityManager,
  input: NewCoupon,
): Promise<CreateCouponResult> {
  const parsed = createCouponInput.safeParse({
    ...input,
    startsAt: isoOrAsIs(input.startsAt),
    endsAt: isoOrAsIs(input.endsAt),
  });
  if (!parsed.success) {
    return { ok: false, error: "invalid-coupon", issues: fieldIssues(parsed.error) };
  }
  const { name, totalQuantity, startsAt, endsAt, pipeline } = parsed.data;
  const coupon = em.create(Coupon, {
    name,
    totalQuantity,
    startsAt: startsAt ? new Date(startsAt) : null,
    endsAt: endsAt ? new Date(endsAt) : null,
    pipeline: pipeline ?? DEFAULT_ISSUE_PIPELINE,
  });
  await classifyingDbErrors(() => em.persist(coupon).flush());
  return { ok: true, coupon };
}
