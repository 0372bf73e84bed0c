import { FAILURE_REASONS } from "#shared/lifecycle/failure-reason.ts";
import { ISSUE_STATUSES } from "#shared/lifecycle/issue-status.ts";
import type { IssueCouponResult as IssueCouponOutcome } from "../admission/issue-coupon.ts";
import type { IssueRequestView } from "../status/request-status.ts";
import { holdingSlot } from "../status/subscription-slots.ts";
import { idArg, requestIdArg } from "./args.ts";
import { builder } from "./builder.ts";
import { tooManySubscriptions, unauthenticated } from "./errors.ts";

const IssueStatus = builder.enumType("IssueStatus", { values: ISSUE_STATUSES });
const CouponUnavailableReason = builder.enumType("CouponUnavailableReason", {
  values: ["NOT_FOUND", "NOT_STARTED", "ENDED"] as const,
});

const IssueFailureReason = builder.enumType("IssueFailureReason", {
  description:
    "Why a request ended FAILED: the closed set IssueRequest.reason's strings come from.",
  values: FAILURE_REASONS,
});

const IssueAccepted = builder
  .objectRef<Extract<IssueCouponOutcome, { kind: "IssueAccepted" }>>("IssueAccepted")
  .implement({
    description: "Admitted: the request is PENDING until it is persisted (watch requestStatus).",
    fields: (t) => ({
      requestId: t.exposeID("requestId"),
      status: t.field({ type: IssueStatus, resolve: (r) => r.status }),
    }),
  });
const AlreadyRequested = builder
  .objectRef<Extract<IssueCouponOutcome, { kind: "AlreadyRequested" }>>("AlreadyRequested")
  .implement({
    description: "This user already has a request for this coupon: this is that request.",
    fields: (t) => ({
      requestId: t.exposeID("requestId"),
      status: t.field({ type: IssueStatus, resolve: (r) => r.status }),
    }),
  });
const SoldOut = builder
  .objectRef<Extract<IssueCouponOutcome, { kind: "SoldOut" }>>("SoldOut")
  .implement({
    fields: (t) => ({ couponId: t.exposeID("couponId") }),
  });
const CouponNotAvailable = builder
  .objectRef<Extract<IssueCouponOutcome, { kind: "CouponNotAvailable" }>>("CouponNotAvailable")
  .implement({
    fields: (t) => ({
      couponId: t.exposeID("couponId"),
      reason: t.field({ type: CouponUnavailableReason, resolve: (r) => r.reason }),
    }),
  });

const RateLimited = builder
  .objectRef<Extract<IssueCouponOutcome, { kind: "RateLimited" }>>("RateLimited")
  .implement({
    description:
      "Pressed too often (this user, or this client address): not admitted, nothing recorded. Press again after retryAfterMs.",
    fields: (t) => ({
      retryAfterMs: t.exposeInt("retryAfterMs", {
        description: "Milliseconds until a press is taken again.",
      }),
    }),
  });

const members = {
  IssueAccepted,
  AlreadyRequested,
  SoldOut,
  CouponNotAvailable,
  RateLimited,
} as const;
const IssueCouponResult = builder.unionType("IssueCouponResult", {
  types: [IssueAccepted, AlreadyRequested, SoldOut, CouponNotAvailable, RateLimited],
  resolveType: (value) => members[value.kind],
});

const IssueRequest = builder.objectRef<IssueRequestView>("IssueRequest").implement({
  fields: (t) => ({
    requestId: t.exposeID("requestId"),
    couponId: t.exposeID("couponId"),
    userId: t.exposeID("userId"),
    status: t.field({ type: IssueStatus, resolve: (r) => r.status }),
    reason: t.exposeString("reason", {
      nullable: true,
      description: "Why it FAILED, as a string (pinned); failureReason is the same value, typed.",
    }),
    failureReason: t.field({
      type: IssueFailureReason,
      nullable: true,
      description: "Why it FAILED; null unless FAILED.",
      resolve: (r) => r.reason,
    }),
    requestedAt: t.field({ type: "DateTime", resolve: (r) => r.requestedAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (r) => r.updatedAt }),
  }),
});

builder.mutationField("issueCoupon", (t) =>
  t.field({
    type: IssueCouponResult,
    description: "Asks for one coupon. First come, first served; at most one per user.",
    args: { couponId: t.arg.id({ required: true }) },
    resolve: async (_root, args, { caller, services, rateLimitAddress }) => {
      const couponId = idArg(args.couponId, "couponId");
      if (!caller)
        throw unauthenticated(
          "issueCoupon needs a caller: a JWT, or x-user-id in development mode",
        );
      return services.issueCoupon(couponId, {
        userId: caller.userId,
        address: rateLimitAddress,
      });
    },
  }),
);

builder.queryField("issueRequest", (t) =>
  t.field({
    type: IssueRequest,
    nullable: true,
    description:
      "A request of the caller's own (any request for an admin); null when unknown or not theirs.",
    args: { requestId: t.arg.id({ required: true }) },
    resolve: (_root, args, { caller, services }) =>
      services.requestStatus.get(requestIdArg(args.requestId), caller),
  }),
);

builder.subscriptionField("requestStatus", (t) =>
  t.field({
    type: IssueRequest,
    description:
      "The request's current state at once, then each change; completes after ISSUED or FAILED. " +
      "For the request's owner or an admin; to anyone else it is an unknown request.",
    args: { requestId: t.arg.id({ required: true }) },
    subscribe: (_root, args, { caller, services, request }) => {
      const requestId = requestIdArg(args.requestId);
      const claim = () => {
        // Callers without an identity share one count: anonymity buys no extra streams.
        const slot = services.subscriptionSlots.claim(caller?.userId ?? "anonymous");
        if (slot === "caller")
          throw tooManySubscriptions(
            "too many requestStatus subscriptions open for this caller: close one before opening another",
            false,
          );
        if (slot === "total")
          throw tooManySubscriptions(
            "the gateway holds as many requestStatus subscriptions as it may; try again shortly",
            true,
          );
        return slot;
      };
      return holdingSlot(
        claim,
        () => services.requestStatus.watch(requestId, caller, request.signal),
        request.signal,
      );
    },
    resolve: (view: IssueRequestView) => view,
  }),
);
