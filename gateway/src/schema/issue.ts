import { FAILURE_REASONS } from "#shared/lifecycle/failure-reason.ts";
import { ISSUE_STATUSES } from "#shared/lifecycle/issue-status.ts";
import type { IssueCouponResult as IssueCouponOutcome } from "../admission/issue-coupon.ts";
import type { IssueRequestView } from "../status/request-status.ts";
import { holdingSlot } from "../status/subscription-slots.ts";
import { idArg, requestIdArg } from "./args.ts";
import { builder, type GatewayContext } from "./builder.ts";
import { tooManySubscriptions, unauthenticated, watchTokenRefused } from "./errors.ts";

const IssueStatus = builder.enumType("IssueStatus", { values: ISSUE_STATUSES });
const CouponUnavailableReason = builder.enumType("CouponUnavailableReason", {
  values: ["NOT_FOUND", "NOT_STARTED", "ENDED"] as const,
});

const IssueFailureReason = builder.enumType("IssueFailureReason", {
  description:
    "Why a request ended FAILED: the closed set IssueRequest.reason's strings come from.",
  values: FAILURE_REASONS,
});

const WATCH_TOKEN_DESCRIPTION =
  "Lets whoever holds it watch this request with requestStatus(requestId, watchToken) where no " +
  "header can be sent (a browser's EventSource over GET): for this request only, for a few " +
  "minutes. Keep it like a password: out of logs and out of other people's hands.";

/**
 * A press's watch token (identity/watch-token.ts), signed only when selected: the press document of
 * the project's own clients does not ask for it, and costs nothing more.
 */
function issueWatchToken(
  result: { requestId: string },
  _args: unknown,
  { caller, services }: GatewayContext,
): Promise<string> {
  if (!caller) throw unauthenticated("a watch token is handed to the request's owner only");
  return services.watchTokens.issue(result.requestId, caller.userId);
}

const IssueAccepted = builder
  .objectRef<Extract<IssueCouponOutcome, { kind: "IssueAccepted" }>>("IssueAccepted")
  .implement({
    description: "Admitted: the request is PENDING until it is persisted (watch requestStatus).",
    fields: (t) => ({
      requestId: t.exposeID("requestId"),
      status: t.field({ type: IssueStatus, resolve: (r) => r.status }),
      watchToken: t.string({ description: WATCH_TOKEN_DESCRIPTION, resolve: issueWatchToken }),
    }),
  });
const AlreadyRequested = builder
  .objectRef<Extract<IssueCouponOutcome, { kind: "AlreadyRequested" }>>("AlreadyRequested")
  .implement({
    description: "This user already has a request for this coupon: this is that request.",
    fields: (t) => ({
      requestId: t.exposeID("requestId"),
      status: t.field({ type: IssueStatus, resolve: (r) => r.status }),
      watchToken: t.string({ description: WATCH_TOKEN_DESCRIPTION, resolve: issueWatchToken }),
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
    args: {
      requestId: t.arg.id({ required: true }),
      watchToken: t.arg.string({
        description:
          "The watchToken IssueAccepted or AlreadyRequested handed out: watches as the request's " +
          "owner without credentials in headers. Refused (WATCH_TOKEN_REFUSED) when expired, not " +
          "the gateway's, or for another request.",
      }),
    },
    subscribe: async (_root, args, context) => {
      const { services, request } = context;
      const requestId = requestIdArg(args.requestId);
      // A watch token speaks for the request's owner, for this request only; without one the
      // caller is whoever the request's headers name.
      let caller = context.caller;
      if (args.watchToken !== undefined && args.watchToken !== null) {
        caller = await services.watchTokens.verify(args.watchToken, requestId);
        if (!caller) throw watchTokenRefused();
      }
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
