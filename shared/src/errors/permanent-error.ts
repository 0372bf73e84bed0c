import { CouponDropError } from "./coupon-drop-error.ts";

/**
 * The same call would fail the same way (a dependency refused it, or an invariant of ours broke):
 * retrying only delays. The consumer gives it its few attempts and dead-letters the record, the
 * internal API answers 500, the gateway masks it.
 */
export class PermanentError extends CouponDropError {
  constructor(message: string, { cause }: { cause?: unknown } = {}) {
    super(message, { retriable: false, cause });
  }
}
