import { GraphQLError, type GraphQLErrorOptions } from "graphql";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import { RequestNotFoundError } from "#shared/errors/request-not-found-error.ts";
import { CouponStateLostError, IssueNotRecordedError } from "../admission/issue-coupon.ts";

/** Bad input from the caller: a clear message, never a 500. */
export function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) },
  });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED" } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN" } });
}

/**
 * A subscription over a cap. `retryable` when the gateway as a whole is full (a slot frees soon),
 * not when the caller holds its own share: it must close one of its own first.
 */
export function tooManySubscriptions(message: string, retryable: boolean): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "TOO_MANY_SUBSCRIPTIONS", ...(retryable ? { retryable } : {}) },
  });
}

/** Admin operations: the admin role with JWT configured, open in development mode. */
export function requireAdmin(
  context: { devMode: boolean; caller: { isAdmin: boolean } | null },
  operation: string,
): void {
  if (!context.devMode && !context.caller?.isAdmin)
    throw forbidden(`${operation} needs the admin role`);
}

/**
 * What the caller hears when a dependency is away. Fixed: what went wrong inside (a host, a
 * statement) is logged, never sent.
 */
export const TEMPORARILY_UNAVAILABLE_MESSAGE =
  "A service this request needs is unavailable for a moment; please try again.";

/** Where a coded error stands in the operation, and its cause: see `codedError`. */
export type ErrorPlace = Pick<
  GraphQLErrorOptions,
  "nodes" | "source" | "positions" | "path" | "originalError"
>;

/** A dependency is down; the same call may succeed in a moment. */
export function temporarilyUnavailable(
  message: string = TEMPORARILY_UNAVAILABLE_MESSAGE,
  place: ErrorPlace = {},
): GraphQLError {
  return new GraphQLError(message, {
    ...place,
    extensions: { code: "TEMPORARILY_UNAVAILABLE", retryable: true },
  });
}

export function notFound(message: string, place: ErrorPlace = {}): GraphQLError {
  return new GraphQLError(message, { ...place, extensions: { code: "NOT_FOUND" } });
}

/**
 * The project's errors whose class says what the caller should do, as coded GraphQL errors at
 * `place` (the field that failed, and the cause); undefined for anything else, which is unexpected.
 */
export function codedError(error: unknown, place: ErrorPlace = {}): GraphQLError | undefined {
  if (error instanceof RequestNotFoundError) return notFound(error.message, place);
  // Messages written for the caller: the request was not counted, or the coupon is reloading.
  if (error instanceof IssueNotRecordedError || error instanceof CouponStateLostError)
    return temporarilyUnavailable(error.message, place);
  if (error instanceof CouponDropError && error.retriable)
    return temporarilyUnavailable(TEMPORARILY_UNAVAILABLE_MESSAGE, place);
  return undefined;
}
