/** Operations preloaded in GraphiQL: create a coupon, issue it, watch the status. */
export const GRAPHIQL_DEFAULT_QUERY = `# Development mode: set the header {"x-user-id": "1"} below to act as user 1.
# 1. Create a coupon (admin). 2. Issue it. 3. Watch the request turn ISSUED.

mutation CreateCoupon {
  createCoupon(input: { name: "Noon drop", totalQuantity: 100 }) {
    id name totalQuantity issuedCount remaining
  }
}

mutation IssueCoupon($couponId: ID! = "1") {
  issueCoupon(couponId: $couponId) {
    __typename
    ... on IssueAccepted { requestId status }
    ... on AlreadyRequested { requestId status }
    ... on SoldOut { couponId }
    ... on CouponNotAvailable { couponId reason }
    ... on RateLimited { retryAfterMs }
  }
}

subscription WatchRequest($requestId: ID! = "paste the requestId here") {
  requestStatus(requestId: $requestId) { requestId status reason updatedAt }
}

query Coupon($id: ID! = "1") {
  coupon(id: $id) { id name totalQuantity issuedCount remaining startsAt endsAt }
}
`;
