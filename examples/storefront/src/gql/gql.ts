/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query StorefrontCoupon($id: ID!) {\n    coupon(id: $id) {\n      id\n      name\n      totalQuantity\n      remaining\n      startsAt\n      endsAt\n    }\n    serverTime\n  }\n": typeof types.StorefrontCouponDocument,
    "\n  query ServerTime {\n    serverTime\n  }\n": typeof types.ServerTimeDocument,
    "\n  mutation Press($couponId: ID!) {\n    issueCoupon(couponId: $couponId) {\n      __typename\n      ... on IssueAccepted {\n        requestId\n        status\n      }\n      ... on AlreadyRequested {\n        requestId\n        status\n      }\n      ... on SoldOut {\n        couponId\n      }\n      ... on CouponNotAvailable {\n        couponId\n        reason\n      }\n      ... on RateLimited {\n        retryAfterMs\n      }\n    }\n  }\n": typeof types.PressDocument,
    "\n  fragment RequestState on IssueRequest {\n    requestId\n    couponId\n    status\n    failureReason\n    updatedAt\n  }\n": typeof types.RequestStateFragmentDoc,
    "\n  query ShopperRequest($requestId: ID!) {\n    issueRequest(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n": typeof types.ShopperRequestDocument,
    "\n  subscription ShopperRequestStatus($requestId: ID!) {\n    requestStatus(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n": typeof types.ShopperRequestStatusDocument,
};
const documents: Documents = {
    "\n  query StorefrontCoupon($id: ID!) {\n    coupon(id: $id) {\n      id\n      name\n      totalQuantity\n      remaining\n      startsAt\n      endsAt\n    }\n    serverTime\n  }\n": types.StorefrontCouponDocument,
    "\n  query ServerTime {\n    serverTime\n  }\n": types.ServerTimeDocument,
    "\n  mutation Press($couponId: ID!) {\n    issueCoupon(couponId: $couponId) {\n      __typename\n      ... on IssueAccepted {\n        requestId\n        status\n      }\n      ... on AlreadyRequested {\n        requestId\n        status\n      }\n      ... on SoldOut {\n        couponId\n      }\n      ... on CouponNotAvailable {\n        couponId\n        reason\n      }\n      ... on RateLimited {\n        retryAfterMs\n      }\n    }\n  }\n": types.PressDocument,
    "\n  fragment RequestState on IssueRequest {\n    requestId\n    couponId\n    status\n    failureReason\n    updatedAt\n  }\n": types.RequestStateFragmentDoc,
    "\n  query ShopperRequest($requestId: ID!) {\n    issueRequest(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n": types.ShopperRequestDocument,
    "\n  subscription ShopperRequestStatus($requestId: ID!) {\n    requestStatus(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n": types.ShopperRequestStatusDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StorefrontCoupon($id: ID!) {\n    coupon(id: $id) {\n      id\n      name\n      totalQuantity\n      remaining\n      startsAt\n      endsAt\n    }\n    serverTime\n  }\n"): (typeof documents)["\n  query StorefrontCoupon($id: ID!) {\n    coupon(id: $id) {\n      id\n      name\n      totalQuantity\n      remaining\n      startsAt\n      endsAt\n    }\n    serverTime\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServerTime {\n    serverTime\n  }\n"): (typeof documents)["\n  query ServerTime {\n    serverTime\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Press($couponId: ID!) {\n    issueCoupon(couponId: $couponId) {\n      __typename\n      ... on IssueAccepted {\n        requestId\n        status\n      }\n      ... on AlreadyRequested {\n        requestId\n        status\n      }\n      ... on SoldOut {\n        couponId\n      }\n      ... on CouponNotAvailable {\n        couponId\n        reason\n      }\n      ... on RateLimited {\n        retryAfterMs\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Press($couponId: ID!) {\n    issueCoupon(couponId: $couponId) {\n      __typename\n      ... on IssueAccepted {\n        requestId\n        status\n      }\n      ... on AlreadyRequested {\n        requestId\n        status\n      }\n      ... on SoldOut {\n        couponId\n      }\n      ... on CouponNotAvailable {\n        couponId\n        reason\n      }\n      ... on RateLimited {\n        retryAfterMs\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RequestState on IssueRequest {\n    requestId\n    couponId\n    status\n    failureReason\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment RequestState on IssueRequest {\n    requestId\n    couponId\n    status\n    failureReason\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShopperRequest($requestId: ID!) {\n    issueRequest(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n"): (typeof documents)["\n  query ShopperRequest($requestId: ID!) {\n    issueRequest(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ShopperRequestStatus($requestId: ID!) {\n    requestStatus(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n"): (typeof documents)["\n  subscription ShopperRequestStatus($requestId: ID!) {\n    requestStatus(requestId: $requestId) {\n      ...RequestState\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;