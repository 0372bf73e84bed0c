import { CouponDropError } from "./coupon-drop-error.ts";

/**
 * A dependency (Redis, Kafka, PostgreSQL, the internal API) could not be reached, or answered
 * "not now": the same call may succeed in a moment. Retriable: the consumer backs off and retries
 * without dead-lettering, the internal API answers 503, the gateway TEMPORARILY_UNAVAILABLE.
 */
export class DependencyUnavailableError extends CouponDropError {
  constructor(message: string, { cause }: { cause?: unknown } = {}) {
    super(message, { retriable: true, cause });
  }
}
