import { GraphQLError, type GraphQLErrorOptions } from "graphql";
import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";
import { PipelineDisabledError } from "#shared/errors/pipeline-disabled-error.ts";
import { RequestNotFoundError } from "#shared/errors/request-not-found-error.ts";
import { CouponStateLostError, IssueNotRecordedError } from "../admission/issue-coupon.ts";
import { InvalidTokenError } from "../identity/invalid-token-error.ts";

/** Bad input from the caller: a clear message, never a 500. */
export function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) },
  });
}

/** No caller where one is needed: HTTP 401 where the whole answer is this error. */
export function unauthenticated(message: string, place: ErrorPlace = {}): GraphQLError {
  return new GraphQLError(message, {
    ...place,
    extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
  });
}

/**
 * What a caller whose token failed hears, whatever failed: which check it was is for the log, not
 * for someone trying tokens.
 */
export const INVALID_TOKEN_MESSAGE =
  "The bearer token was refused: it is malformed, expired, or not signed by a trusted key.";

/** A token that failed (RFC 6750's `invalid_token`): the whole request is answered 401. */
export function invalidToken(place: ErrorPlace = {}): GraphQLError {
  return new GraphQLError(INVALID_TOKEN_MESSAGE, {
    ...place,
    extensions: {
      code: "UNAUTHENTICATED",
      http: { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } },
    },
  });
}

/**
 * A watch token that is expired, not signed by this gateway, or for another request: one fixed
 * answer whichever it was. What to do: press again (AlreadyRequested hands out a fresh token).
 */
export function watchTokenRefused(): GraphQLError {
  return new GraphQLError(
    "The watch token was refused: it is expired, malformed, or not for this request. Press again for a fresh one.",
    { extensions: { code: "WATCH_TOKEN_REFUSED" } },
  );
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

/**
 * A dependency is down; the same call may succeed in a moment. For the whole request (`wholeRequest`:
 * it failed before any field ran, e.g. while the caller was identified) the answer is HTTP 503,
 * not the 500 of an unexpected error.
 */
export function temporarilyUnavailable(
  message: string = TEMPORARILY_UNAVAILABLE_MESSAGE,
  place: ErrorPlace = {},
  wholeRequest = false,
): GraphQLError {
  return new GraphQLError(message, {
    ...place,
    extensions: {
      code: "TEMPORARILY_UNAVAILABLE",
      retryable: true,
      ...(wholeRequest ? { http: { status: 503 } } : {}),
    },
  });
}

export function notFound(message: string, place: ErrorPlace = {}): GraphQLError {
  return new GraphQLError(message, { ...place, extensions: { code: "NOT_FOUND" } });
}

/**
 * The project's errors whose class says what the caller should do, as coded GraphQL errors at
 * `place` (the field that failed, and the cause), or for the `wholeRequest` when no field ran;
 * undefined for anything else, which is unexpected.
 */
export function codedError(
  error: unknown,
  place: ErrorPlace = {},
  wholeRequest = false,
): GraphQLError | undefined {
  if (error instanceof RequestNotFoundError) return notFound(error.message, place);
  if (error instanceof InvalidTokenError) return invalidToken(place);
  // Not retryable: a coupon is created on, and pressed on, a pipeline the deployment runs.
  if (error instanceof PipelineDisabledError)
    return new GraphQLError(error.message, { ...place, extensions: { code: "PIPELINE_DISABLED" } });
  // Messages written for the caller: the request was not counted, or the coupon is reloading.
  if (error instanceof IssueNotRecordedError || error instanceof CouponStateLostError)
    return temporarilyUnavailable(error.message, place, wholeRequest);
  if (error instanceof CouponDropError && error.retriable)
    return temporarilyUnavailable(TEMPORARILY_UNAVAILABLE_MESSAGE, place, wholeRequest);
  return undefined;
}
