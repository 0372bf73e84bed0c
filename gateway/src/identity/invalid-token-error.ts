import { CouponDropError } from "#shared/errors/coupon-drop-error.ts";

/**
 * The caller presented a token that does not prove who they are: malformed, not signed by a
 * trusted key, expired, for another issuer or audience, or without the claims the gateway needs.
 * Permanent: the same token fails the same way. The message says why, for the log; the caller
 * hears a fixed UNAUTHENTICATED (schema/errors.ts).
 */
export class InvalidTokenError extends CouponDropError {
  constructor(message: string, { cause }: { cause?: unknown } = {}) {
    super(message, { retriable: false, cause });
  }
}
