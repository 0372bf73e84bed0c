/**
 * The GraphQL documents the project's own clients send (the web client's press and watch, the
 * operator's dead-letter operations). They are the store of trusted documents: with
 * `TRUSTED_DOCUMENTS=only` the gateway runs these, by id (the SHA-256 of the text), and nothing
 * else. The test client sends the same texts, so the suites exercise exactly what is trusted.
 */

export const ISSUE_COUPON = `mutation Issue($couponId: ID!) {
  issueCoupon(couponId: $couponId) {
    __typename
    ... on IssueAccepted { requestId status }
    ... on AlreadyRequested { requestId status }
    ... on SoldOut { couponId }
    ... on CouponNotAvailable { couponId reason }
    ... on RateLimited { retryAfterMs }
  }
}`;

export const CREATE_COUPON = `mutation Create($input: CreateCouponInput!) {
  createCoupon(input: $input) { id name totalQuantity issuedCount remaining startsAt endsAt pipeline }
}`;

export const COUPON = `query Coupon($id: ID!) {
  coupon(id: $id) { id name totalQuantity issuedCount remaining startsAt endsAt pipeline }
}`;

export const ISSUE_REQUEST = `query Request($requestId: ID!) {
  issueRequest(requestId: $requestId) { requestId couponId userId status reason requestedAt updatedAt }
}`;

export const REQUEST_STATUS = `subscription Watch($requestId: ID!) {
  requestStatus(requestId: $requestId) { requestId status reason }
}`;

/** The watch of a browser's `EventSource` (GET, no headers): the press's watch token instead. */
export const REQUEST_STATUS_WITH_TOKEN = `subscription WatchWithToken($requestId: ID!, $watchToken: String!) {
  requestStatus(requestId: $requestId, watchToken: $watchToken) { requestId status reason }
}`;

export const DEAD_LETTERS = `query DeadLetters($couponId: ID, $limit: Int) {
  deadLetters(couponId: $couponId, limit: $limit) {
    total
    deadLetters {
      id couponId topic partition offset payload errorClass errorMessage attempts
      recordedAt replayedAt replayCount
    }
  }
}`;

export const REPLAY_DEAD_LETTER = `mutation ReplayDeadLetter($id: ID!) {
  replayDeadLetter(id: $id) { deadLetterId outcome requestId reason }
}`;

export const REPLAY_DEAD_LETTERS = `mutation ReplayDeadLetters($couponId: ID!) {
  replayDeadLetters(couponId: $couponId) { deadLetterId outcome requestId reason }
}`;

export const PROJECT_DOCUMENTS: readonly string[] = [
  ISSUE_COUPON,
  CREATE_COUPON,
  COUPON,
  ISSUE_REQUEST,
  REQUEST_STATUS,
  REQUEST_STATUS_WITH_TOKEN,
  DEAD_LETTERS,
  REPLAY_DEAD_LETTER,
  REPLAY_DEAD_LETTERS,
];
