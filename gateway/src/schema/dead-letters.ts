import {
  DEAD_LETTER_PAGE,
  type DeadLetterJson,
  type ReplayResultJson,
} from "#shared/internal-api/contract.ts";
import { idArg } from "./args.ts";
import { builder } from "./builder.ts";
import { badInput, requireAdmin } from "./errors.ts";

const DeadLetter = builder.objectRef<DeadLetterJson>("DeadLetter").implement({
  description: "A record that failed every attempt and went to coupon-issue-requests.DLT.",
  fields: (t) => ({
    id: t.exposeID("id"),
    couponId: t.exposeID("couponId", { nullable: true }),
    topic: t.exposeString("topic"),
    partition: t.exposeInt("partition"),
    offset: t.exposeString("offset"),
    payload: t.exposeString("payload", {
      nullable: true,
      description:
        "In a list, the first 2,048 characters when payloadTruncated; whole from deadLetter(id).",
    }),
    payloadLength: t.exposeInt("payloadLength", {
      description: "Characters of the whole payload.",
    }),
    payloadTruncated: t.exposeBoolean("payloadTruncated"),
    errorClass: t.exposeString("errorClass"),
    errorMessage: t.exposeString("errorMessage"),
    attempts: t.exposeInt("attempts"),
    recordedAt: t.field({ type: "DateTime", resolve: (d) => d.recordedAt }),
    replayedAt: t.field({ type: "DateTime", nullable: true, resolve: (d) => d.replayedAt }),
    replayCount: t.exposeInt("replayCount"),
  }),
});

const DeadLetterPage = builder
  .objectRef<{ deadLetters: DeadLetterJson[]; total: number }>("DeadLetterPage")
  .implement({
    fields: (t) => ({
      deadLetters: t.field({ type: [DeadLetter], resolve: (p) => p.deadLetters }),
      total: t.exposeInt("total", { description: "Dead letters recorded in all." }),
    }),
  });

const ReplayOutcome = builder.enumType("DeadLetterReplayOutcome", {
  values: ["REPLAYED", "NOT_FOUND", "NOT_REPLAYABLE"] as const,
});

const DeadLetterReplay = builder.objectRef<ReplayResultJson>("DeadLetterReplay").implement({
  fields: (t) => ({
    deadLetterId: t.exposeID("id"),
    outcome: t.field({
      type: ReplayOutcome,
      resolve: (r) =>
        r.kind === "replayed"
          ? "REPLAYED"
          : r.kind === "not-found"
            ? "NOT_FOUND"
            : "NOT_REPLAYABLE",
    }),
    requestId: t.id({
      nullable: true,
      resolve: (r) => (r.kind === "replayed" ? r.requestId : null),
    }),
    reason: t.string({
      nullable: true,
      resolve: (r) => (r.kind === "not-replayable" ? r.reason : null),
    }),
  }),
});

builder.queryField("deadLetters", (t) =>
  t.field({
    type: DeadLetterPage,
    description: "Dead letters, newest first. Admin only (open in development mode).",
    args: { couponId: t.arg.id({ required: false }), limit: t.arg.int({ required: false }) },
    resolve: (_root, args, context) => {
      requireAdmin(context, "deadLetters");
      const limit = args.limit ?? DEAD_LETTER_PAGE.default;
      if (!Number.isInteger(limit) || limit < 1 || limit > DEAD_LETTER_PAGE.max)
        throw badInput(`limit must be from 1 to ${DEAD_LETTER_PAGE.max} (got ${limit})`, "limit");
      const couponId = args.couponId == null ? null : idArg(args.couponId, "couponId");
      return context.services.internalApi.listDeadLetters({ couponId, limit });
    },
  }),
);

builder.queryField("deadLetter", (t) =>
  t.field({
    type: DeadLetter,
    nullable: true,
    description: "One dead letter with its whole payload; null when unknown. Admin only.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => {
      requireAdmin(context, "deadLetter");
      return context.services.internalApi.getDeadLetter(idArg(args.id, "id"));
    },
  }),
);

builder.mutationField("replayDeadLetter", (t) =>
  t.field({
    type: DeadLetterReplay,
    description:
      "Produces a dead letter's event again once its cause is fixed; idempotent. Admin only.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      requireAdmin(context, "replayDeadLetter");
      const id = idArg(args.id, "id");
      const [result] = await context.services.internalApi.replayDeadLetters({ id });
      return result ?? { kind: "not-found" as const, id };
    },
  }),
);

builder.mutationField("replayDeadLetters", (t) =>
  t.field({
    type: [DeadLetterReplay],
    description: "Replays every dead letter of a coupon not replayed yet; idempotent. Admin only.",
    args: { couponId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => {
      requireAdmin(context, "replayDeadLetters");
      return context.services.internalApi.replayDeadLetters({
        couponId: idArg(args.couponId, "couponId"),
      });
    },
  }),
);
