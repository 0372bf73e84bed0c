export interface CouponDropErrorOptions {
  /**
   * Whether the same call may succeed later (a dependency blinked: back off and retry) or would
   * fail the same way (a bug, a refusal: report it, dead-letter it). Default false.
   */
  retriable?: boolean;
  /** The error this one explains, kept for the logs (the driver's, the client's, the broker's). */
  cause?: unknown;
}

/**
 * The root of the project's errors, after KafkaJS's `KafkaJSError`: `retriable` is set by the
 * constructor of the class that knows (an adapter where the error enters, or a domain error), never
 * patched onto someone else's error afterwards, and the original is kept as `cause`. Web-standard,
 * so the gateway raises and recognises the same classes as the Node side.
 */
export class CouponDropError extends Error {
  readonly retriable: boolean;

  constructor(message: string, { retriable = false, cause }: CouponDropErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.retriable = retriable;
  }
}
