import { fieldIssues } from "#shared/describe-issues.ts";
import { createCouponInput } from "#shared/internal-api/contract.ts";
import { ISSUE_PIPELINES, type IssuePipeline } from "#shared/issue-pipeline.ts";
import { idArg } from "./args.ts";
import { builder } from "./builder.ts";
import { badInput, requireAdmin } from "./errors.ts";
import { oncePerRequest } from "./once-per-request.ts";

interface CouponView {
  id: string;
  name: string;
  totalQuantity: number;
  issuedCount: number;
  startsAt: string | null;
  endsAt: string | null;
  pipeline: IssuePipeline;
}

const IssuePipelineEnum = builder.enumType("IssuePipeline", {
  description:
    "How a coupon's admitted requests reach PostgreSQL: through Kafka, or through a Redis Stream " +
    "appended in the admission's own atomic step. Fixed when the coupon is created.",
  values: ISSUE_PIPELINES,
});

const Coupon = builder.objectRef<CouponView>("Coupon").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    totalQuantity: t.exposeInt("totalQuantity"),
    issuedCount: t.exposeInt("issuedCount", {
      description: "Coupons issued, as PostgreSQL has it.",
    }),
    remaining: t.int({
      description: "Coupons still available to admission, as Redis has it.",
      resolve: (coupon, _args, context) =>
        oncePerRequest(context, `remaining:${coupon.id}`, async () => {
          const { services } = context;
          let state = await services.store.readCoupon(coupon.id);
          if (!state) {
            await services.couponLookups.load(coupon.id);
            state = await services.store.readCoupon(coupon.id);
          }
          return state?.remaining ?? Math.max(0, coupon.totalQuantity - coupon.issuedCount);
        }),
    }),
    startsAt: t.field({ type: "DateTime", nullable: true, resolve: (c) => c.startsAt }),
    endsAt: t.field({ type: "DateTime", nullable: true, resolve: (c) => c.endsAt }),
    pipeline: t.field({ type: IssuePipelineEnum, resolve: (c) => c.pipeline }),
  }),
});

const CreateCouponInput = builder.inputType("CreateCouponInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    totalQuantity: t.int({ required: true }),
    startsAt: t.field({ type: "DateTime", required: false }),
    endsAt: t.field({ type: "DateTime", required: false }),
    pipeline: t.field({
      type: IssuePipelineEnum,
      required: false,
      description: "Default KAFKA, unless the rollout (ISSUE_PIPELINE_ROLLOUT_PERCENT) picks.",
    }),
  }),
});

builder.queryField("coupon", (t) =>
  t.field({
    type: Coupon,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => {
      const id = idArg(args.id, "id");
      return oncePerRequest(context, `coupon:${id}`, () => context.services.couponLookups.get(id));
    },
  }),
);

builder.mutationField("createCoupon", (t) =>
  t.field({
    type: Coupon,
    description:
      "Creates a coupon and loads its stock into admission. Admin only (open in development mode).",
    args: { input: t.arg({ type: CreateCouponInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      requireAdmin(context, "createCoupon");
      const parsed = createCouponInput.safeParse({
        name: input.name,
        totalQuantity: input.totalQuantity,
        startsAt: input.startsAt?.toISOString() ?? null,
        endsAt: input.endsAt?.toISOString() ?? null,
        pipeline: input.pipeline ?? null,
      });
      if (!parsed.success) {
        const [issue] = fieldIssues(parsed.error);
        throw badInput(issue?.message ?? "invalid coupon", issue?.field);
      }
      const coupon = await context.services.internalApi.createCoupon(parsed.data);
      // Its id may have been looked up before it existed: this gateway answers it from now on.
      context.services.couponLookups.forget(coupon.id);
      return coupon;
    },
  }),
);
