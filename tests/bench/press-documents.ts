// The press documents the benchmark sends. `app`: what a shop's own web app sends through Apollo
// Client 4's HttpLink (its own operation name, `__typename` in every selection set as Apollo adds
// it, the id as a variable, Apollo's headers); `project`: the project's own document
// (gateway/src/project-documents.ts) as the project's clients send it.
import { ISSUE_COUPON } from "#gateway/project-documents.ts";

export const PRESS_DOCUMENTS = ["app", "project"] as const;
export type PressDocument = (typeof PRESS_DOCUMENTS)[number];

/** As Apollo Client prints it (`print()` of the document after its `__typename` transform). */
export const APP_ISSUE_COUPON = `mutation PressCouponButton($couponId: ID!) {
  issueCoupon(couponId: $couponId) {
    __typename
    ... on IssueAccepted {
      requestId
      status
      __typename
    }
    ... on AlreadyRequested {
      requestId
      status
      __typename
    }
    ... on SoldOut {
      couponId
      __typename
    }
    ... on CouponNotAvailable {
      couponId
      reason
      __typename
    }
    ... on RateLimited {
      retryAfterMs
      __typename
    }
  }
}`;

/** The body and headers of one press of `couponId` (the user's header is added per press). */
export function pressRequest(
  document: PressDocument,
  couponId: string,
): { body: string; headers: Record<string, string> } {
  if (document === "app")
    return {
      // HttpLink's body: operationName, variables, then the printed query.
      body: JSON.stringify({
        operationName: "PressCouponButton",
        variables: { couponId },
        query: APP_ISSUE_COUPON,
      }),
      headers: {
        accept: "application/graphql-response+json,application/json;q=0.9",
        "content-type": "application/json",
      },
    };
  return {
    body: JSON.stringify({ query: ISSUE_COUPON, variables: { couponId } }),
    headers: { "content-type": "application/json" },
  };
}
