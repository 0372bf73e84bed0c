// Every operation the page sends, typed by GraphQL Code Generator (codegen.ts) from schema.graphql.
import { graphql } from "./gql/index.ts";

/** The coupon shown, and the gateway's clock read in the same round trip. */
export const StorefrontCouponQuery = graphql(`
  query StorefrontCoupon($id: ID!) {
    coupon(id: $id) {
      id
      name
      totalQuantity
      remaining
      startsAt
      endsAt
    }
    serverTime
  }
`);

/** The gateway's clock alone: the samples the countdown is synced by. */
export const ServerTimeQuery = graphql(`
  query ServerTime {
    serverTime
  }
`);

/** The press. Every outcome is a typed result; only a dependency that blinked is an error. */
export const PressMutation = graphql(`
  mutation Press($couponId: ID!) {
    issueCoupon(couponId: $couponId) {
      __typename
      ... on IssueAccepted {
        requestId
        status
      }
      ... on AlreadyRequested {
        requestId
        status
      }
      ... on SoldOut {
        couponId
      }
      ... on CouponNotAvailable {
        couponId
        reason
      }
      ... on RateLimited {
        retryAfterMs
      }
    }
  }
`);

/** What the page shows of a request, read and watched alike. */
export const RequestStateFragment = graphql(`
  fragment RequestState on IssueRequest {
    requestId
    couponId
    status
    failureReason
    updatedAt
  }
`);

/** The request read again, after a stream dropped and before the page subscribes anew. */
export const ShopperRequestQuery = graphql(`
  query ShopperRequest($requestId: ID!) {
    issueRequest(requestId: $requestId) {
      ...RequestState
    }
  }
`);

/** The request's state now, then each change; the gateway completes it once ISSUED or FAILED. */
export const ShopperRequestStatusSubscription = graphql(`
  subscription ShopperRequestStatus($requestId: ID!) {
    requestStatus(requestId: $requestId) {
      ...RequestState
    }
  }
`);
